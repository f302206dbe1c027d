namespace XRayHpc.Loader;

/// <summary>One batch as the trainer consumes it: N×1×H×W normalized images, N×C labels and mask.</summary>
public sealed class Batch
{
    public required int Count { get; init; }
    public required int Height { get; init; }
    public required int Width { get; init; }
    public required int Classes { get; init; }
    public required float[] Images { get; init; }
    public required float[] Labels { get; init; }
    public required float[] LabelMask { get; init; }
    /// <summary>Row index within the split (stable across rank counts), one per sample.</summary>
    public required long[] RowIds { get; init; }
    /// <summary>Index of this batch in the rank's epoch.</summary>
    public required int Index { get; init; }
}
