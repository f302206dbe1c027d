using System.CommandLine;
using XRayHpc.Mpi;

namespace XRayHpc.Cli.Commands;

/// <summary>
/// `--collective-timeout SECONDS` of the commands that may run on several ranks without training (evaluate,
/// predict, select). They gather scores over MPI like the training does, so a stopped rank (a hung file system)
/// would leave the others waiting until the allocation's time limit; with the watch on, the job ends naming the
/// operation and the ranks that had not arrived. Default: the run's own `run.collective_timeout` (600 s unless
/// its experiment says otherwise); 0 turns it off.
/// </summary>
static class CollectiveTimeoutOption
{
    /// <summary>The watch before any run is read: <see cref="XRayHpc.Training.Config.RunConfig"/>'s default.</summary>
    public static readonly double Default = new XRayHpc.Training.Config.RunConfig().CollectiveTimeout;

    public static Option<double?> Create() => new("--collective-timeout")
    {
        Description = "Seconds a collective may wait for the other ranks before the job is aborted naming them (default: the run's run.collective_timeout; 0 = off)",
    };

    /// <summary>The problem with a given value, or null (checked before MPI starts, so every rank exits 2 alike).</summary>
    public static string? Problem(double? option) =>
        option is { } v && !CollectiveWatch.IsValidSeconds(v) ? $"--collective-timeout {v}: must be a number of seconds >= 0 (0 = off)" : null;

    /// <summary>Sets the watch on this rank: the option's value, else <paramref name="runSetting"/>.</summary>
    public static void Apply(double? option, double runSetting) => CollectiveWatch.SetSeconds(option ?? runSetting);
}
