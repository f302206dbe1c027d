namespace XRayHpc.Training.Run;

/// <summary>
/// The run directory cannot be used as asked (held by another job, holds a run the command would overwrite, or a
/// --resume whose configuration does not match): exit 2, the message says why and what to do; nothing was written.
/// </summary>
public sealed class RunDirectoryException(string message) : Exception(message);
