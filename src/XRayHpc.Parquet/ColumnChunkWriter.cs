using System.Buffers.Binary;
using System.Runtime.InteropServices;
using XRayHpc.Parquet.Compression;
using XRayHpc.Parquet.Encodings;
using XRayHpc.Parquet.Format;
using XRayHpc.Parquet.Thrift;
using Enc = XRayHpc.Parquet.Format.Encoding;

namespace XRayHpc.Parquet;

/// <summary>
/// Writes the rows [r0, r1) of one column as one column chunk of data page v1 pages (PLAIN values,
/// RLE levels; strings dictionary-encoded when that pays). Pages always end on a row boundary.
/// </summary>
internal sealed class ColumnChunkWriter
{
    readonly ParquetWriteOptions _opts;
    readonly CodecId _codec;
    readonly ByteBuffer _page = new(1 << 16);
    readonly CompactWriter _header = new();
    byte[] _compressed = new byte[1 << 16];
    int[] _levels = new int[1024];

    public ColumnChunkWriter(ParquetWriteOptions opts)
    {
        _opts = opts;
        _codec = Codecs.ToId(opts.Codec);
    }

    public static PhysicalType Physical(ParquetType t) => t switch
    {
        ParquetType.Boolean => PhysicalType.Boolean,
        ParquetType.Int32 => PhysicalType.Int32,
        ParquetType.Int64 => PhysicalType.Int64,
        ParquetType.Float => PhysicalType.Float,
        ParquetType.Double => PhysicalType.Double,
        ParquetType.ByteArray or ParquetType.String => PhysicalType.ByteArray,
        ParquetType.FixedLenByteArray => PhysicalType.FixedLenByteArray,
        _ => throw new ArgumentOutOfRangeException(nameof(t)),
    };

    static bool IsBinary(ParquetType t) => t is ParquetType.ByteArray or ParquetType.String or ParquetType.FixedLenByteArray;

    public static void Validate(ParquetColumn col, ColumnData data)
    {
        bool typeOk = col.Type == data.Type || IsBinary(col.Type) && IsBinary(data.Type);
        if (!typeOk || col.IsList != data.IsList)
            throw new ArgumentException($"column '{col.Name}' is {col} but the data is {(data.IsList ? "list<" + data.Type + ">" : data.Type.ToString())}");
        if (!col.IsOptional && data.RowValid is { } v)
        {
            int bad = Array.IndexOf(v, false, 0, data.Count);
            if (bad >= 0) throw new ArgumentException($"column '{col.Name}' is required but row {bad} is null");
        }
        if (col.Type == ParquetType.FixedLenByteArray)
            for (int i = 0; i < data.Count; i++)
                if (!data.IsNull(i) && data.GetBytes(i).Length != col.TypeLength)
                    throw new ArgumentException($"column '{col.Name}' row {i}: value has {data.GetBytes(i).Length} bytes, the column is fixed at {col.TypeLength}");
    }

    public ColumnMetaData Write(Stream output, ref long position, ParquetColumn col, ColumnData data, int r0, int r1)
    {
        var meta = new ColumnMetaData
        {
            Type = Physical(col.Type),
            Codec = (int)_codec,
            PathInSchema = col.IsList ? [col.Name, "list", "element"] : [col.Name],
        };
        var stats = new StatsBuilder(col.Type);
        long chunkStart = position, uncompressedTotal = 0;
        Dictionary<BytesKey, int>? dict = (_opts.DictionaryForStrings && col.Type == ParquetType.String) ? BuildDictionary(data, r0, r1) : null;
        int[]? dictIndex = null;
        if (dict is not null)
        {
            dictIndex = new int[r1 - r0];
            _page.Clear();
            var order = new BytesKey[dict.Count];
            foreach (var (k, i) in dict) order[i] = k;
            foreach (var k in order) { _page.WriteInt32(k.Bytes.Length); _page.Write(k.Bytes); }
            for (int r = r0; r < r1; r++)
                if (!data.IsNull(r)) dictIndex[r - r0] = dict[new BytesKey(data.GetMemory(r))];
            meta.DictionaryPageOffset = position;
            uncompressedTotal += FlushPage(output, ref position, dictPageValues: dict.Count, numValues: 0, Enc.Plain);
        }
        meta.DataPageOffset = position;

        // IronSnappy allocates each decoded page; pages under the large-object threshold (85,000 bytes)
        // keep that allocation cheap for readers, so snappy pages are capped at 64 KiB (at least one row).
        long limit = _codec == CodecId.Snappy ? Math.Min(_opts.PageSizeBytes, 64 << 10) : _opts.PageSizeBytes;
        int pageStart = r0;
        long pageBytes = 0;
        for (int r = r0; r < r1; r++)
        {
            long rowBytes = RowBytes(data, r, col);
            if (r > pageStart && pageBytes + rowBytes > limit)
            {
                uncompressedTotal += WriteDataPage(output, ref position, col, data, pageStart, r, dictIndex, r0, dict?.Count ?? 0, stats, meta);
                pageStart = r;
                pageBytes = 0;
            }
            pageBytes += rowBytes;
        }
        if (r1 > pageStart)
            uncompressedTotal += WriteDataPage(output, ref position, col, data, pageStart, r1, dictIndex, r0, dict?.Count ?? 0, stats, meta);
        if (r1 == r0) // an empty row group still needs a (empty) data page so readers find the chunk
            uncompressedTotal += WriteDataPage(output, ref position, col, data, r0, r0, dictIndex, r0, dict?.Count ?? 0, stats, meta);

        meta.Encodings = dict is not null ? [(int)Enc.Plain, (int)Enc.Rle, (int)Enc.RleDictionary] : [(int)Enc.Plain, (int)Enc.Rle];
        meta.TotalCompressedSize = position - chunkStart;
        meta.TotalUncompressedSize = uncompressedTotal;
        if (_opts.WriteStatistics) meta.Statistics = stats.Build();
        return meta;
    }

    static long RowBytes(ColumnData data, int r, ParquetColumn col)
    {
        if (col.IsList) return data.IsNull(r) ? 1 : 4L * (data.ListOffsets![r + 1] - data.ListOffsets[r]) + 1;
        if (IsBinary(col.Type)) return 4L + (data.IsNull(r) ? 0 : data.GetBytes(r).Length);
        return col.Type switch { ParquetType.Int64 or ParquetType.Double => 8, ParquetType.Boolean => 1, _ => 4 };
    }

    Dictionary<BytesKey, int>? BuildDictionary(ColumnData data, int r0, int r1)
    {
        var dict = new Dictionary<BytesKey, int>();
        long bytes = 0, nonNull = 0;
        for (int r = r0; r < r1; r++)
        {
            if (data.IsNull(r)) continue;
            nonNull++;
            var key = new BytesKey(data.GetMemory(r));
            if (dict.TryAdd(key, dict.Count))
            {
                bytes += key.Bytes.Length + 4;
                if (dict.Count > 1 << 16 || bytes > 1 << 20) return null;
            }
        }
        // a dictionary pays only when values repeat
        return nonNull > 0 && dict.Count * 2 <= nonNull ? dict : null;
    }

    int[] Levels(int n)
    {
        if (_levels.Length < n) _levels = new int[Math.Max(n, _levels.Length * 2)];
        return _levels;
    }

    long WriteDataPage(Stream output, ref long position, ParquetColumn col, ColumnData data, int p0, int p1,
        int[]? dictIndex, int r0, int dictCount, StatsBuilder stats, ColumnMetaData meta)
    {
        _page.Clear();
        int numValues;
        if (col.IsList)
        {
            // entries: a null or empty list is one entry; otherwise one entry per element
            int listPresent = col.IsOptional ? 1 : 0, elementDef = listPresent + 1;
            int entries = 0;
            for (int r = p0; r < p1; r++)
                entries += data.IsNull(r) ? 1 : Math.Max(1, data.ListOffsets![r + 1] - data.ListOffsets[r]);
            var lv = Levels(entries);
            int e = 0;
            for (int r = p0; r < p1; r++)
            {
                int n = data.IsNull(r) ? 0 : data.ListOffsets![r + 1] - data.ListOffsets[r];
                if (n == 0) { lv[e++] = 0; continue; }
                for (int k = 0; k < n; k++) lv[e++] = k == 0 ? 0 : 1;
            }
            RleHybrid.EncodeWithLength(lv.AsSpan(0, entries), 1, _page);
            e = 0;
            long nulls = 0;
            for (int r = p0; r < p1; r++)
            {
                if (data.IsNull(r)) { lv[e++] = 0; nulls++; continue; }
                int n = data.ListOffsets![r + 1] - data.ListOffsets[r];
                if (n == 0) { lv[e++] = listPresent; nulls++; continue; }
                for (int k = 0; k < n; k++) lv[e++] = elementDef;
            }
            RleHybrid.EncodeWithLength(lv.AsSpan(0, entries), RleHybrid.BitWidth(elementDef), _page);
            stats.Nulls += nulls;
            int s0 = data.ListOffsets![p0], s1 = data.ListOffsets[p1];
            WritePlainRange(data, col, s0, s1, stats);
            numValues = entries;
        }
        else
        {
            if (col.IsOptional)
            {
                var lv = Levels(p1 - p0);
                for (int r = p0; r < p1; r++) lv[r - p0] = data.IsNull(r) ? 0 : 1;
                RleHybrid.EncodeWithLength(lv.AsSpan(0, p1 - p0), 1, _page);
            }
            if (dictIndex is not null)
            {
                int bw = Math.Max(1, RleHybrid.BitWidth(dictCount - 1));
                _page.WriteByte((byte)bw);
                var idx = Levels(p1 - p0);
                int m = 0;
                for (int r = p0; r < p1; r++)
                {
                    if (data.IsNull(r)) { stats.Nulls++; continue; }
                    idx[m++] = dictIndex[r - r0];
                    stats.AddBinary(data.GetBytes(r));
                }
                RleHybrid.Encode(idx.AsSpan(0, m), bw, _page);
            }
            else WritePlainRange(data, col, p0, p1, stats);
            numValues = p1 - p0;
        }
        meta.NumValues += numValues;
        return FlushPage(output, ref position, -1, numValues, dictIndex is not null ? Enc.RleDictionary : Enc.Plain);
    }

    /// <summary>PLAIN-encodes the non-null values in slots [s0, s1).</summary>
    void WritePlainRange(ColumnData data, ParquetColumn col, int s0, int s1, StatsBuilder stats)
    {
        bool[]? valid = col.IsList ? data.ElementValid : data.RowValid;
        switch (col.Type)
        {
            case ParquetType.Int32: Fixed(data.Int32s!, valid, s0, s1, stats); break;
            case ParquetType.Int64: Fixed(data.Int64s!, valid, s0, s1, stats); break;
            case ParquetType.Float: Fixed(data.Floats!, valid, s0, s1, stats); break;
            case ParquetType.Double: Fixed(data.Doubles!, valid, s0, s1, stats); break;
            case ParquetType.Boolean:
                {
                    int count = 0;
                    for (int i = s0; i < s1; i++) if (valid is null || valid[i]) count++;
                    var dst = _page.Reserve((count + 7) / 8);
                    dst.Clear();
                    int k = 0;
                    for (int i = s0; i < s1; i++)
                    {
                        if (valid is not null && !valid[i]) { stats.Nulls++; continue; }
                        bool b = data.Bools![i];
                        if (b) dst[k >> 3] |= (byte)(1 << (k & 7));
                        stats.AddBool(b);
                        k++;
                    }
                    break;
                }
            default:
                {
                    bool fixedLen = col.Type == ParquetType.FixedLenByteArray;
                    for (int i = s0; i < s1; i++)
                    {
                        if (valid is not null && !valid[i]) { stats.Nulls++; continue; }
                        var v = data.GetBytes(i);
                        if (!fixedLen) _page.WriteInt32(v.Length);
                        _page.Write(v);
                        stats.AddBinary(v);
                    }
                    break;
                }
        }
    }

    void Fixed<T>(T[] values, bool[]? valid, int s0, int s1, StatsBuilder stats) where T : unmanaged
    {
        if (valid is null)
        {
            var span = values.AsSpan(s0, s1 - s0);
            _page.Write(MemoryMarshal.AsBytes(span));
            stats.AddRange(span);
            return;
        }
        for (int i = s0; i < s1; i++)
        {
            if (!valid[i]) { stats.Nulls++; continue; }
            _page.Write(MemoryMarshal.AsBytes(values.AsSpan(i, 1)));
            stats.AddRange(values.AsSpan(i, 1));
        }
    }

    /// <summary>Compresses the page buffer and writes header + body; returns the uncompressed size incl. header.</summary>
    long FlushPage(Stream output, ref long position, int dictPageValues, int numValues, Enc encoding)
    {
        var raw = _page.Span;
        ReadOnlySpan<byte> body;
        if (_codec == CodecId.Uncompressed) body = raw;
        else
        {
            int n = Codecs.Compress(_codec, raw, ref _compressed, _opts.CompressionLevel);
            body = _compressed.AsSpan(0, n);
        }
        // PageHeader.crc: CRC-32 of the bytes as written after the header (compressed), so any reader can check them.
        uint crc = Crc32.Compute(body);
        if (dictPageValues >= 0) PageHeader.WriteDictionaryPage(_header, raw.Length, body.Length, dictPageValues, crc);
        else PageHeader.WriteDataPageV1(_header, raw.Length, body.Length, numValues, encoding, null, crc);
        output.Write(_header.Written);
        output.Write(body);
        position += _header.Length + body.Length;
        return _header.Length + raw.Length;
    }
}

/// <summary>Byte content as a dictionary key.</summary>
internal readonly struct BytesKey(ReadOnlyMemory<byte> bytes) : IEquatable<BytesKey>
{
    public readonly ReadOnlyMemory<byte> Memory = bytes;
    public ReadOnlySpan<byte> Bytes => Memory.Span;
    public bool Equals(BytesKey o) => Bytes.SequenceEqual(o.Bytes);
    public override bool Equals(object? obj) => obj is BytesKey k && Equals(k);
    public override int GetHashCode()
    {
        var h = new HashCode();
        h.AddBytes(Bytes);
        return h.ToHashCode();
    }
}
