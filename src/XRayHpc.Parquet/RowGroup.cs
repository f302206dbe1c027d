namespace XRayHpc.Parquet;

/// <summary>One row group to write: one <see cref="ColumnData"/> per schema column, in schema order.</summary>
public sealed class RowGroup
{
    public IReadOnlyList<ColumnData> Columns { get; }
    public int RowCount { get; }

    public RowGroup(params ColumnData[] columns)
    {
        ArgumentNullException.ThrowIfNull(columns);
        Columns = columns;
        RowCount = columns.Length == 0 ? 0 : columns[0].Count;
        for (int i = 1; i < columns.Length; i++)
            if (columns[i].Count != RowCount)
                throw new ArgumentException($"column {i} has {columns[i].Count} rows, column 0 has {RowCount}");
    }
}

/// <summary>Row group metadata visible to readers without reading column data.</summary>
public sealed record RowGroupInfo(int Index, long RowCount, long TotalByteSize, long CompressedByteSize);

/// <summary>Column chunk statistics: PLAIN-encoded min/max (null when absent) and the null count.</summary>
public sealed record ColumnStatistics(long? NullCount, byte[]? Min, byte[]? Max);

/// <summary>Writer settings.</summary>
public sealed class ParquetWriteOptions
{
    public ParquetCodec Codec { get; init; } = ParquetCodec.Snappy;
    /// <summary>WriteRowGroup splits larger row groups into row groups of at most this many rows.</summary>
    public int RowGroupRowLimit { get; init; } = 1 << 20;
    /// <summary>Target uncompressed bytes per data page (pages always end on a row boundary).</summary>
    public int PageSizeBytes { get; init; } = 1 << 20;
    public IReadOnlyDictionary<string, string>? KeyValueMetadata { get; init; }
    public bool WriteStatistics { get; init; } = true;
    /// <summary>Dictionary-encode string/binary columns when that makes them smaller.</summary>
    public bool DictionaryForStrings { get; init; } = true;
    /// <summary>zstd level (1..22) / gzip uses Optimal.</summary>
    public int CompressionLevel { get; init; } = 3;
}
