namespace XRayHpc.Training;

/// <summary>Process exit codes of every `xrayhpc` command and of the trainer, documented in README.md; job scripts in jobs/ rely on them.</summary>
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
