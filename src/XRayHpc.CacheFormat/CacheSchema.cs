using XRayHpc.Parquet;

namespace XRayHpc.Cache;

/// <summary>The cache row schema (documented in this project's README): one row per image.</summary>
public static class CacheSchema
{
    public const string Image = "image", Height = "height", Width = "width", Labels = "labels",
        LabelMask = "label_mask", PatientHash = "patient_hash", View = "view", SourceRow = "source_row";

    public static ParquetSchema Create() => new(
        ParquetColumn.Required(Image, ParquetType.ByteArray),
        ParquetColumn.Required(Height, ParquetType.Int32),
        ParquetColumn.Required(Width, ParquetType.Int32),
        ParquetColumn.List(Labels, ParquetType.Float),
        ParquetColumn.List(LabelMask, ParquetType.Float),
        ParquetColumn.Required(PatientHash, ParquetType.String),
        ParquetColumn.Optional(View, ParquetType.String),
        ParquetColumn.Required(SourceRow, ParquetType.Int64));
}
