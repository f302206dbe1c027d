global using ExitCodes = XRayHpc.Training.ExitCodes;
using System.CommandLine;
using System.Reflection;

namespace XRayHpc.Cli;

/// <summary>
/// Builds the `xrayhpc` command tree. Each subcommand lives in its own file under Commands/ as a class
/// implementing <see cref="ICliCommand"/>; they are discovered here so adding one touches no shared file.
/// </summary>
public static class App
{
    public static int Run(string[] args)
    {
        var root = new RootCommand("XRayHpc: batch training of chest X-ray classifiers on HPC clusters (MPI + libtorch).");
        var commands = typeof(App).Assembly.GetTypes()
            .Where(t => !t.IsAbstract && typeof(ICliCommand).IsAssignableFrom(t))
            .Select(t => (ICliCommand)Activator.CreateInstance(t)!)
            .OrderBy(c => c.Order);
        foreach (var c in commands) root.Subcommands.Add(c.Build());
        return root.Parse(args).Invoke();
    }
}

/// <summary>One `xrayhpc` subcommand. <see cref="Order"/> sorts the help text along the data flow.</summary>
public interface ICliCommand
{
    int Order { get; }
    Command Build();
}
