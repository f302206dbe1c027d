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

/// <summary>Process exit codes, documented in README.md; job scripts in jobs/ rely on them.</summary>
public static class ExitCodes
{
    public const int Ok = 0;
    /// <summary>A runtime failure (I/O, a dead rank, an engine error).</summary>
    public const int Failure = 1;
    /// <summary>Bad input: invalid YAML/config, bad command line, a dataset error without --skip-bad.</summary>
    public const int BadInput = 2;
    /// <summary>SIGUSR1/SIGTERM received: a checkpoint was written and the job should be requeued (EX_TEMPFAIL).</summary>
    public const int CheckpointedForRequeue = 75;
}
