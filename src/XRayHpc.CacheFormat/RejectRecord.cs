namespace XRayHpc.Cache;

/// <summary>
/// One input preprocess could not use. <see cref="SourceFile"/> is relative to the dataset root and
/// has the raw patient id replaced by its hash (Kermany and CheXpert paths embed the id); the
/// reason is redacted the same way. Item is the enumeration index (sort order of rejects.csv).
/// </summary>
public sealed class RejectRecord
{
    public long Item { get; set; }
    public string SourceFile { get; set; } = "";
    public long SourceRow { get; set; }
    public string Reason { get; set; } = "";
}
