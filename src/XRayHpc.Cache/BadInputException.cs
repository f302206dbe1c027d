namespace XRayHpc.Cache;

/// <summary>
/// A bad raw input stopped preprocess (no --skip-bad). The message is "file:row: reason" with the
/// file relative to the dataset root and patient ids replaced by their hash, so it is safe to log.
/// </summary>
public sealed class BadInputException(RejectRecord reject)
    : Exception($"{reject.SourceFile}:{reject.SourceRow}: {reject.Reason} (rerun with --skip-bad to write it to {RejectsFile.FileName} and keep going)")
{
    public RejectRecord Reject { get; } = reject;
}
