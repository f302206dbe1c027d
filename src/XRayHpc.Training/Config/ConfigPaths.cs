namespace XRayHpc.Training.Config;

/// <summary>
/// The config's paths are relative to the working directory of `xrayhpc train`; the run's saved config holds
/// them absolute, so evaluate, predict, report and --resume find the cache and checkpoints from any directory.
/// </summary>
public static class ConfigPaths
{
    public static void MakeAbsolute(ExperimentConfig config, string? baseDir = null)
    {
        string Abs(string p) => baseDir == null ? Path.GetFullPath(p) : Path.GetFullPath(p, baseDir);
        if (config.Run.Dir.Length > 0) config.Run.Dir = Abs(config.Run.Dir);
        if (config.Data.Cache.Length > 0) config.Data.Cache = Abs(config.Data.Cache);
        if (config.Checkpoint.Dir.Length > 0) config.Checkpoint.Dir = Abs(config.Checkpoint.Dir);
    }
}
