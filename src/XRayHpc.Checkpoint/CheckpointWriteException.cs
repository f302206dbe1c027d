namespace XRayHpc.Checkpoint;

/// <summary>A save that did not complete. The previous checkpoint is untouched; training may go on.</summary>
public sealed class CheckpointWriteException(string message, Exception? inner = null) : IOException(message, inner);
