using XRayHpc.Cli.Doctor.Facts;

namespace XRayHpc.Cli.Doctor.Checks;

/// <summary>The run directory: writable, and room for checkpoints (a ResNet-18 member's checkpoint with SGD momentum is ~90 MB).</summary>
public static class RunDirCheck
{
    /// <summary>Below this a single population's checkpoints (8 members x keep_last 2 x 90 MB ~ 1.4 GB) do not fit.</summary>
    public const long FailBelowBytes = 2L << 30;
    /// <summary>Below this long runs with larger models or populations run out mid-way.</summary>
    public const long WarnBelowBytes = 20L << 30;

    public static IEnumerable<CheckResult> Evaluate(RunDirFacts f)
    {
        string where = f.Exists ? f.Path : $"{f.Path} (not created yet; probed {f.ProbedDir})";
        yield return f.WriteError is null
            ? CheckResult.Ok("run directory", $"{where}: writable")
            : CheckResult.Fail("run directory", $"{where}: not writable ({f.WriteError})",
                "choose a run.dir on a writable filesystem (e.g. $SCRATCH/runs) or fix its owner/permissions");

        string free = f.FreeBytes < 0 ? "unknown" : $"{f.FreeBytes / (double)(1L << 30):F1} GiB free";
        if (f.FreeBytes < 0)
            yield return CheckResult.Warn("disk space", free, $"check `df -h {f.ProbedDir}`");
        else if (f.FreeBytes < FailBelowBytes)
            yield return CheckResult.Fail("disk space", free, $"free space under {f.ProbedDir} or move run.dir: checkpoints need ~90 MB per ResNet-18 member x checkpoint.keep_last");
        else if (f.FreeBytes < WarnBelowBytes)
            yield return CheckResult.Warn("disk space", free, $"long runs may fill it: lower checkpoint.keep_last or move run.dir to a larger filesystem");
        else
            yield return CheckResult.Ok("disk space", free);
    }
}
