namespace XRayHpc.Parquet;

/// <summary>
/// A Parquet file is malformed, truncated, uses something we do not support, or lacks a requested
/// column. The message always names the file and, where known, row group, column and byte offset so a
/// corrupt shard can be found without a debugger.
/// </summary>
public sealed class ParquetFormatException : Exception
{
    public string File { get; }
    public int? RowGroup { get; }
    public string? Column { get; }
    public long? Offset { get; }
    public string Reason { get; }

    public ParquetFormatException(string file, int? rowGroup, string? column, long? offset, string reason,
        Exception? inner = null)
        : base(Format(file, rowGroup, column, offset, reason), inner)
    {
        File = file; RowGroup = rowGroup; Column = column; Offset = offset; Reason = reason;
    }

    static string Format(string file, int? rowGroup, string? column, long? offset, string reason)
    {
        var where = file;
        if (rowGroup is { } rg) where += $": row group {rg}";
        if (column is not null) where += $": column '{column}'";
        if (offset is { } o) where += $": byte offset {o}";
        return $"{where}: {reason}";
    }
}

/// <summary>Thrown by low-level decoders; the reader rethrows it as ParquetFormatException with context.</summary>
internal sealed class CorruptDataException(string reason, long offset = -1) : Exception(reason)
{
    /// <summary>Offset relative to the buffer being decoded, or -1 when unknown.</summary>
    public long RelativeOffset { get; } = offset;
}
