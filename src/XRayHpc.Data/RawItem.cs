namespace XRayHpc.Data;

/// <summary>
/// One image of a raw dataset as an adapter sees it, before decoding. A bad row is still yielded, with
/// <see cref="Error"/> set, so preprocess decides whether to stop or reject it (nothing is lost silently).
/// PatientId is the RAW identifier and must never leave preprocess un-hashed.
/// SourceRow: the 1-based line in <see cref="SourceFile"/> for CSV datasets; the ordinal of the file in
/// the sorted walk for folder datasets (ChestXRay2017).
/// </summary>
public sealed record RawItem(
    string ImagePath,
    string SourceFile,
    long SourceRow,
    string PatientId,
    string? View,
    float[] Labels,
    float[] LabelMask,
    string? OriginalSplit,
    DataFormatException? Error);
