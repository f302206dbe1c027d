namespace XRayHpc.Checkpoint;

/// <summary>
/// state.yaml of one member checkpoint: everything besides the tensors that a bit-exact resume needs.
/// Written last inside the step directory; <see cref="Files"/> lets a reader prove the directory is complete.
/// </summary>
public sealed class CheckpointState
{
    public int Member { get; set; }
    public long Step { get; set; }
    /// <summary>PBT round (ready points passed).</summary>
    public int Round { get; set; }
    /// <summary>Data cursor: epoch and the number of batches of that epoch already consumed.</summary>
    public int Epoch { get; set; }
    public long BatchInEpoch { get; set; }
    public long SkippedSteps { get; set; }
    public long ConsecutiveBadSteps { get; set; }
    public Dictionary<string, double> Hyperparameters { get; set; } = new();
    public Dictionary<string, double> Metrics { get; set; } = new();
    /// <summary>LR scheduler state (name -> value), restored as-is.</summary>
    public Dictionary<string, double> Scheduler { get; set; } = new();
    /// <summary>RNG states by purpose (torch native state, managed generators), base64.</summary>
    public Dictionary<string, string> Rng { get; set; } = new();
    /// <summary>The tuner's JSON state (identical in every member of a set).</summary>
    public string TunerState { get; set; } = "";
    /// <summary>Anything else a caller wants back verbatim (e.g. trial id, wall time so far).</summary>
    public Dictionary<string, string> Extra { get; set; } = new();
    /// <summary>Every other file of the directory with its size and SHA-256; filled in by the writer.</summary>
    public Dictionary<string, CheckpointFile> Files { get; set; } = new();
}

public sealed class CheckpointFile
{
    public long Bytes { get; set; }
    public string Sha256 { get; set; } = "";
}

/// <summary>A save that did not complete. The previous checkpoint is untouched; training may go on.</summary>
public sealed class CheckpointWriteException(string message, Exception? inner = null) : IOException(message, inner);
