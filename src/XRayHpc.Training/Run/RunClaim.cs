using XRayHpc.Mpi;
using XRayHpc.Training.Config;

namespace XRayHpc.Training.Run;

/// <summary>
/// World rank 0 takes a run directory before anything is written into it: the lock, then the rules for what is
/// already there (a finished or interrupted run is continued only with --resume and a compatible config, replaced
/// only with --overwrite, otherwise refused). Throws <see cref="RunDirectoryException"/> with nothing written
/// (beyond the lock, which is released again).
/// </summary>
public static class RunClaim
{
    /// <param name="notes">What the user must see on the console (a stale lock taken over, a resume that starts fresh).</param>
    public static RunDirectoryLock Claim(RunLayout run, ExperimentConfig config, bool resume, bool overwrite, List<string> notes)
    {
        if (resume && overwrite) throw new RunDirectoryException("--resume and --overwrite exclude each other");
        Directory.CreateDirectory(run.Dir);
        var owned = RunDirectoryLock.Acquire(run.Dir);
        try
        {
            if (owned.TookOverFrom is { } stale)
                notes.Add($"run directory {run.Dir}: took over the stale lock of {stale.Describe()}, which is no longer running");
            var existing = Results(run);
            if (resume)
            {
                if (File.Exists(run.ResolvedConfig)) CheckResumable(run, config);
                else if (existing.Count == 0) notes.Add($"--resume: {run.Dir} holds no earlier run (no config.resolved.yaml); starting fresh");
                else throw new RunDirectoryException($"--resume: {run.Dir} has {string.Join(", ", existing)} but no config.resolved.yaml to check the configuration against; " +
                                                     "use --overwrite to start this run over");
            }
            else if (existing.Count > 0)
            {
                if (!overwrite)
                    throw new RunDirectoryException($"run directory {run.Dir} already holds a run ({string.Join(", ", existing)}); " +
                                                    "rerun with --resume to continue it, --overwrite to replace it, or choose another run.dir");
                foreach (var f in existing) Remove(Path.Combine(run.Dir, f));
                if (Directory.Exists(run.Checkpoints)) Directory.Delete(run.Checkpoints, recursive: true);
                if (Directory.Exists(run.Logs)) foreach (var log in Directory.GetFiles(run.Logs, "rank-*.log")) File.Delete(log);
                notes.Add($"--overwrite: removed the earlier run's {string.Join(", ", existing)} from {run.Dir}");
            }
            return owned;
        }
        catch
        {
            owned.Dispose();
            throw;
        }
    }

    /// <summary>What `xrayhpc train` writes that marks a directory as holding a run (job logs and reports do not).</summary>
    static List<string> Results(RunLayout run)
    {
        var found = new[] { run.ResolvedConfig, run.Metrics, run.Lineage, run.Summary, run.Predictions }
            .Where(File.Exists).Select(Path.GetFileName).Select(n => n!).ToList();
        if (Directory.Exists(run.Checkpoints) && Directory.EnumerateFileSystemEntries(run.Checkpoints).Any())
            found.Add(Path.GetRelativePath(run.Dir, run.Checkpoints));
        return found;
    }

    static void Remove(string path)
    {
        if (Directory.Exists(path)) Directory.Delete(path, recursive: true);
        else File.Delete(path);
    }

    static void CheckResumable(RunLayout run, ExperimentConfig now)
    {
        ExperimentConfig earlier;
        try { earlier = ConfigLoader.LoadFile(run.ResolvedConfig); }
        catch (ConfigException e) { throw new RunDirectoryException($"--resume: the earlier run's {run.ResolvedConfig} cannot be read: {e.Message}"); }
        ConfigPaths.MakeAbsolute(earlier); // runs saved before paths were stored absolute: relative to the working directory, as they were read
        var diff = ResumeCompatibility.Differences(earlier, now);
        if (diff.Count > 0)
            throw new RunDirectoryException($"--resume: the configuration differs from the run in {run.Dir} in keys a resume may not change " +
                                            $"(nothing was written):\n  {string.Join("\n  ", diff)}\n" +
                                            $"A resume may change only: {string.Join(", ", ResumeCompatibility.Changeable.Order(StringComparer.Ordinal))}");
    }

    /// <summary>
    /// Collective: world rank 0 claims the run directory (<see cref="Claim"/>) and writes config.resolved.yaml
    /// before anything else is written to it; when it was refused, every rank throws the same exception.
    /// Returns the lock on world rank 0, null elsewhere.
    /// </summary>
    public static RunDirectoryLock? ClaimOnRank0(Communicator world, RunLayout run, ExperimentConfig config, bool resume, bool overwrite, List<string> notes)
    {
        RunDirectoryLock? claimed = null;
        string refused = "";
        if (world.Rank == 0)
        {
            try
            {
                claimed = Claim(run, config, resume, overwrite, notes);
                File.WriteAllText(run.ResolvedConfig, ConfigLoader.ToYaml(config));
            }
            catch (RunDirectoryException e) { refused = e.Message; }
        }
        refused = world.BcastString(world.Rank == 0 ? refused : null, 0);
        if (refused.Length > 0) throw new RunDirectoryException(refused);
        return claimed;
    }
}
