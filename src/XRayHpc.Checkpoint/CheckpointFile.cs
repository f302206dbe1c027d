namespace XRayHpc.Checkpoint;

/// <summary>One file of a checkpoint directory as its writer left it (state.yaml lists them).</summary>
public sealed class CheckpointFile
{
    public long Bytes { get; set; }
    public string Sha256 { get; set; } = "";
}
