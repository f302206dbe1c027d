using System.CommandLine;

namespace XRayHpc.Cli.Commands;

public sealed class VersionCommand : ICliCommand
{
    public int Order => 1000;

    public Command Build()
    {
        var cmd = new Command("version", "Print the XRayHpc version and exit.");
        cmd.SetAction(_ =>
        {
            Console.WriteLine(typeof(VersionCommand).Assembly.GetName().Version);
            return ExitCodes.Ok;
        });
        return cmd;
    }
}
