using System.Buffers;
using System.Buffers.Binary;
using XRayHpc.Parquet.Encodings;
using XRayHpc.Parquet.Format;
using XRayHpc.Parquet.Thrift;

namespace XRayHpc.Parquet;

/// <summary>
/// Streaming Parquet reader: Open reads only the footer (via seek); ReadColumn reads one column chunk of
/// one row group. Every offset and length taken from the file is checked against the file's size.
/// </summary>
public sealed class ParquetFileReader : IDisposable
{
    static readonly byte[] Magic = "PAR1"u8.ToArray();

    readonly FileStream _file;
    readonly string _path;
    readonly long _length;
    readonly long _dataEnd; // first byte of the footer
    readonly FileMetaData _meta;
    readonly SchemaMapper.Result _map;
    readonly RowGroupInfo[] _rowGroups;
    readonly Dictionary<string, string> _kv = new(StringComparer.Ordinal);

    public string Path => _path;
    public ParquetSchema Schema => _map.Schema;
    public IReadOnlyDictionary<string, string> KeyValueMetadata => _kv;
    public IReadOnlyList<RowGroupInfo> RowGroups => _rowGroups;
    public long RowCount => _meta.NumRows;
    public string? CreatedBy => _meta.CreatedBy;
    /// <summary>Top-level columns of the file we cannot represent (nested structs, maps, ...), with the reason.</summary>
    public IReadOnlyDictionary<string, string> UnsupportedColumns => _map.Unsupported;

    ParquetFileReader(FileStream file, string path)
    {
        _file = file; _path = path;
        _length = file.Length;
        if (_length < 12) throw Error(null, null, 0, $"file is {_length} bytes, too short to be Parquet (needs at least 12)");
        Span<byte> head = stackalloc byte[4], tail = stackalloc byte[8];
        ReadAt(0, head);
        if (!head.SequenceEqual(Magic)) throw Error(null, null, 0, $"bad magic: file does not start with PAR1 (found {Hex(head)})");
        ReadAt(_length - 8, tail);
        if (tail[4..].SequenceEqual("PARE"u8)) throw Error(null, null, _length - 4, "encrypted Parquet files are not supported");
        if (!tail[4..].SequenceEqual(Magic)) throw Error(null, null, _length - 4, $"bad magic: file does not end with PAR1 (found {Hex(tail[4..])}); the file is truncated or not Parquet");
        int footerLen = BinaryPrimitives.ReadInt32LittleEndian(tail);
        if (footerLen <= 0 || footerLen > _length - 12)
            throw Error(null, null, _length - 8, $"footer length {footerLen} is out of range (file is {_length} bytes)");
        _dataEnd = _length - 8 - footerLen;
        var footer = new byte[footerLen];
        ReadAt(_dataEnd, footer);
        try
        {
            _meta = FileMetaData.Read(new CompactReader(footer, 0, footerLen));
            _map = SchemaMapper.Map(_meta.Schema);
        }
        catch (CorruptDataException e)
        {
            throw Error(null, null, _dataEnd + Math.Max(0, e.RelativeOffset), $"truncated or corrupt footer: {e.Message}", e);
        }
        if (_meta.NumRows < 0) throw Error(null, null, _dataEnd, $"footer claims {_meta.NumRows} rows");
        long sum = 0;
        _rowGroups = new RowGroupInfo[_meta.RowGroups.Count];
        for (int i = 0; i < _rowGroups.Length; i++)
        {
            var g = _meta.RowGroups[i];
            if (g.NumRows < 0 || g.NumRows > int.MaxValue) throw Error(i, null, _dataEnd, $"row group claims {g.NumRows} rows");
            if (g.Columns.Count != _map.LeafCount)
                throw Error(i, null, _dataEnd, $"row group has {g.Columns.Count} column chunks, the schema has {_map.LeafCount} leaf columns");
            sum += g.NumRows;
            _rowGroups[i] = new RowGroupInfo(i, g.NumRows, g.TotalByteSize, g.TotalCompressedSize ?? g.Columns.Sum(c => c.MetaData?.TotalCompressedSize ?? 0));
        }
        if (sum != _meta.NumRows) throw Error(null, null, _dataEnd, $"row groups hold {sum} rows, the footer says {_meta.NumRows}");
        foreach (var kv in _meta.KeyValues) _kv[kv.Key] = kv.Value ?? "";
    }

    /// <summary>
    /// Every page whose header carries a CRC-32 (ours always do) is checked before it is decoded (as the chunk is read,
    /// piece by piece, see <see cref="PageChecksumScanner"/>); a mismatch is a
    /// <see cref="ParquetFormatException"/> naming file, row group, column and page. Off only to measure its cost.
    /// </summary>
    public bool VerifyPageChecksums { get; set; } = true;

    public static ParquetFileReader Open(string path)
    {
        var fs = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 1, FileOptions.RandomAccess);
        try { return new ParquetFileReader(fs, path); }
        catch { fs.Dispose(); throw; }
    }

    static string Hex(ReadOnlySpan<byte> b) => Convert.ToHexString(b);

    ParquetFormatException Error(int? rg, string? col, long? offset, string reason, Exception? inner = null) =>
        new(_path, rg, col, offset, reason, inner);

    void ReadAt(long offset, Span<byte> dst)
    {
        int got = 0;
        while (got < dst.Length)
        {
            int n = RandomAccess.Read(_file.SafeFileHandle, dst[got..], offset + got);
            if (n == 0) throw Error(null, null, offset + got, "unexpected end of file");
            got += n;
        }
    }

    public ColumnData ReadColumn(int rowGroup, int column) => ReadColumn(rowGroup, Schema[column].Name);

    /// <summary>The column chunk's statistics from the footer (no data read), or null when the writer wrote none.
    /// Min/Max are PLAIN-encoded (little-endian numbers, raw bytes for binary); the legacy min/max fields are
    /// used only when the column's sort order makes them trustworthy (signed numbers).</summary>
    public ColumnStatistics? GetStatistics(int rowGroup, string column)
    {
        if ((uint)rowGroup >= (uint)_rowGroups.Length)
            throw new ArgumentOutOfRangeException(nameof(rowGroup), $"{_path}: row group {rowGroup} does not exist (the file has {_rowGroups.Length})");
        int ci = Schema.IndexOf(column);
        if (ci < 0) throw Error(rowGroup, column, null, "requested column is absent");
        var st = _meta.RowGroups[rowGroup].Columns[_map.Leaves[ci].LeafIndex].MetaData?.Statistics;
        if (st is null) return null;
        bool legacyOk = _map.Leaves[ci].Physical is not (PhysicalType.ByteArray or PhysicalType.FixedLenByteArray);
        return new ColumnStatistics(st.NullCount, st.MinValue ?? (legacyOk ? st.Min : null), st.MaxValue ?? (legacyOk ? st.Max : null));
    }

    /// <summary>Reads one column chunk of one row group (and nothing else).</summary>
    public ColumnData ReadColumn(int rowGroup, string column)
    {
        if ((uint)rowGroup >= (uint)_rowGroups.Length)
            throw new ArgumentOutOfRangeException(nameof(rowGroup), $"{_path}: row group {rowGroup} does not exist (the file has {_rowGroups.Length})");
        int ci = Schema.IndexOf(column);
        if (ci < 0)
        {
            if (_map.Unsupported.TryGetValue(column, out var why))
                throw Error(rowGroup, column, null, $"column is not supported: {why}");
            throw Error(rowGroup, column, null, $"requested column is absent (the file has: {string.Join(", ", Schema.Columns.Select(c => c.Name))})");
        }
        var d = _map.Leaves[ci];
        var g = _meta.RowGroups[rowGroup];
        var chunk = g.Columns[d.LeafIndex];
        var m = chunk.MetaData ?? throw Error(rowGroup, column, chunk.FileOffset, "column chunk has no metadata");
        if (chunk.FilePath is not null) throw Error(rowGroup, column, null, $"column chunk lives in another file ('{chunk.FilePath}'), which is not supported");
        if (m.Type != d.Physical) throw Error(rowGroup, column, null, $"column chunk type {m.Type} differs from the schema's {d.Physical}");
        if (!m.PathInSchema.SequenceEqual(d.Path))
            throw Error(rowGroup, column, null, $"column chunk path '{string.Join('.', m.PathInSchema)}' differs from the schema's '{string.Join('.', d.Path)}'");
        var codec = (CodecId)m.Codec;
        if (codec is not (CodecId.Uncompressed or CodecId.Snappy or CodecId.Gzip or CodecId.Zstd or CodecId.Brotli))
            throw Error(rowGroup, column, null, codec is CodecId.Lzo or CodecId.Lz4 or CodecId.Lz4Raw
                ? $"compression codec {codec} is not supported" : $"unknown compression codec {m.Codec}");
        if (m.NumValues < 0) throw Error(rowGroup, column, null, $"column chunk claims {m.NumValues} values");
        if (d.MaxRep == 0 && m.NumValues != g.NumRows)
            throw Error(rowGroup, column, null, $"column chunk claims {m.NumValues} values, the row group has {g.NumRows} rows");
        if (d.MaxRep > 0 && m.NumValues < g.NumRows)
            throw Error(rowGroup, column, null, $"list column chunk claims {m.NumValues} values for {g.NumRows} rows");

        long start = m.DataPageOffset;
        if (m.DictionaryPageOffset is { } dpo && dpo > 0 && dpo < start) start = dpo;
        long len = m.TotalCompressedSize;
        if (start < 4 || len < 0 || start > _dataEnd || len > _dataEnd - start)
            throw Error(rowGroup, column, start, $"column chunk [{start}, +{len}) lies outside the data region [4, {_dataEnd})");
        if (len > Array.MaxLength) throw Error(rowGroup, column, start, $"column chunk of {len} bytes is too large to read");

        // an uncompressed binary chunk becomes the values' backing buffer (zero-copy); anything else is pooled
        bool keep = codec == CodecId.Uncompressed && d.Physical is PhysicalType.ByteArray or PhysicalType.FixedLenByteArray or PhysicalType.Int96;
        var buf = keep ? GC.AllocateUninitializedArray<byte>(Math.Max(1, (int)len)) : ArrayPool<byte>.Shared.Rent(Math.Max(1, (int)len));
        int pageAt = 0;
        try
        {
            int checkFrom = int.MaxValue; // pages the decoder still checks start here
            if (VerifyPageChecksums)
            {
                var scanner = new PageChecksumScanner(buf, (int)len);
                for (int at = 0; at < len; at += PageChecksumScanner.PieceBytes)
                {
                    int n = (int)Math.Min(PageChecksumScanner.PieceBytes, len - at);
                    ReadAt(start + at, buf.AsSpan(at, n));
                    scanner.Advance(at + n);
                }
                checkFrom = scanner.VerifiedBefore;
            }
            else ReadAt(start, buf.AsSpan(0, (int)len));
            // size the binary arena from the footer's uncompressed size, trusted only up to a modest ratio
            long hint = Math.Clamp(m.TotalUncompressedSize, len, 4 * len + 1024);
            return Decode(d, codec, buf, (int)len, m.NumValues, g.NumRows, keep, (int)Math.Min(hint, Array.MaxLength), checkFrom, out pageAt);
        }
        catch (CorruptDataException e)
        {
            // the offset names the page being decoded (its header's first byte)
            throw Error(rowGroup, column, start + pageAt, e.Message, e);
        }
        catch (Exception e) when (e is ArgumentException or IndexOutOfRangeException or InvalidOperationException or OverflowException)
        {
            throw Error(rowGroup, column, start + pageAt, $"corrupt column chunk ({e.GetType().Name}: {e.Message})", e);
        }
        finally { if (!keep) ArrayPool<byte>.Shared.Return(buf); }
    }

    ColumnData Decode(LeafDescriptor d, CodecId codec, byte[] buf, int len, long values, long rows, bool keep, int arenaHint, int checkFrom, out int pageAt)
    {
        switch (d.Physical)
        {
            case PhysicalType.Int32: return Run(new ColumnChunkReader<int>(d, codec, buf, len, values, rows, new FixedDecoder<int>(), false, false) { VerifyChecksumsFrom = checkFrom }, out pageAt);
            case PhysicalType.Int64: return Run(new ColumnChunkReader<long>(d, codec, buf, len, values, rows, new FixedDecoder<long>(), false, false) { VerifyChecksumsFrom = checkFrom }, out pageAt);
            case PhysicalType.Float: return Run(new ColumnChunkReader<float>(d, codec, buf, len, values, rows, new FixedDecoder<float>(), false, false) { VerifyChecksumsFrom = checkFrom }, out pageAt);
            case PhysicalType.Double: return Run(new ColumnChunkReader<double>(d, codec, buf, len, values, rows, new FixedDecoder<double>(), false, false) { VerifyChecksumsFrom = checkFrom }, out pageAt);
            case PhysicalType.Boolean: return Run(new ColumnChunkReader<bool>(d, codec, buf, len, values, rows, new BooleanDecoder(), false, false) { VerifyChecksumsFrom = checkFrom }, out pageAt);
            case PhysicalType.ByteArray: return Run(new ColumnChunkReader<Slice>(d, codec, buf, len, values, rows, new BinaryDecoder(0), true, keep, arenaHint) { VerifyChecksumsFrom = checkFrom }, out pageAt);
            case PhysicalType.FixedLenByteArray:
            case PhysicalType.Int96: return Run(new ColumnChunkReader<Slice>(d, codec, buf, len, values, rows, new BinaryDecoder(d.TypeLength), true, keep, arenaHint) { VerifyChecksumsFrom = checkFrom }, out pageAt);
            default: throw new CorruptDataException($"physical type {d.Physical} is not supported");
        }
    }

    static ColumnData Run<T>(ColumnChunkReader<T> r, out int pageAt) where T : struct
    {
        try { return r.Read(); }
        finally { pageAt = r.CurrentPageOffset; }
    }

    public void Dispose() => _file.Dispose();
}
