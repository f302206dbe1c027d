// Entry point of the `xrayhpc` executable; subcommands are registered in Commands/.
return XRayHpc.Cli.App.Run(args);
