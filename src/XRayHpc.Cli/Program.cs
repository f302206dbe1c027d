// Entry point of the `xrayhpc` executable; subcommands are registered in Commands/.
// Before anything touches the console: no escape sequences when output is not a person's terminal.
XRayHpc.Cli.Terminal.TerminalOutput.Configure();
return XRayHpc.Cli.App.Run(args);
