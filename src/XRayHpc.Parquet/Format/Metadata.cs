using XRayHpc.Parquet.Thrift;
using R = XRayHpc.Parquet.Thrift.CompactReader;

namespace XRayHpc.Parquet.Format;

// The subset of parquet.thrift we read and write. Field ids follow the Apache spec; unknown fields are
// skipped so files from newer writers still read.

internal enum PhysicalType { Boolean = 0, Int32 = 1, Int64 = 2, Int96 = 3, Float = 4, Double = 5, ByteArray = 6, FixedLenByteArray = 7 }
internal enum Repetition { Required = 0, Optional = 1, Repeated = 2 }
internal enum Encoding { Plain = 0, PlainDictionary = 2, Rle = 3, BitPacked = 4, DeltaBinaryPacked = 5, DeltaLengthByteArray = 6, DeltaByteArray = 7, RleDictionary = 8, ByteStreamSplit = 9 }
internal enum PageType { DataPage = 0, IndexPage = 1, DictionaryPage = 2, DataPageV2 = 3 }
internal enum CodecId { Uncompressed = 0, Snappy = 1, Gzip = 2, Lzo = 3, Brotli = 4, Lz4 = 5, Zstd = 6, Lz4Raw = 7 }
internal static class ConvertedType { public const int Utf8 = 0, Map = 1, MapKeyValue = 2, List = 3, Enum = 4, Json = 19; }

internal sealed class SchemaElement
{
    public PhysicalType? Type;
    public int TypeLength;
    public Repetition? RepetitionType;
    public string Name = "";
    public int NumChildren;
    public int? ConvertedType;
    public int? LogicalTypeId; // the union member id (1 STRING, 3 LIST, 4 ENUM, 12 JSON, ...)

    public static SchemaElement Read(R r)
    {
        var e = new SchemaElement();
        r.BeginStruct();
        while (r.NextField(out var id, out var t))
        {
            switch (id)
            {
                case 1 when t == R.I32: e.Type = (PhysicalType)r.ReadI32(); break;
                case 2 when t == R.I32: e.TypeLength = r.ReadI32(); break;
                case 3 when t == R.I32: e.RepetitionType = (Repetition)r.ReadI32(); break;
                case 4 when t == R.Binary: e.Name = r.ReadString(); break;
                case 5 when t == R.I32: e.NumChildren = r.ReadI32(); break;
                case 6 when t == R.I32: e.ConvertedType = r.ReadI32(); break;
                case 10 when t == R.Struct:
                    r.BeginStruct();
                    while (r.NextField(out var lid, out var lt)) { e.LogicalTypeId ??= lid; r.Skip(lt); }
                    r.EndStruct();
                    break;
                default: r.Skip(t); break;
            }
        }
        r.EndStruct();
        return e;
    }

    public void Write(CompactWriter w)
    {
        w.BeginStruct();
        if (Type is { } t) w.I32(1, (int)t);
        if (Type == PhysicalType.FixedLenByteArray) w.I32(2, TypeLength);
        if (RepetitionType is { } rep) w.I32(3, (int)rep);
        w.String(4, Name);
        if (NumChildren > 0) w.I32(5, NumChildren);
        if (ConvertedType is { } ct) w.I32(6, ct);
        if (LogicalTypeId is { } lid)
        {
            w.StructField(10);
            w.StructField((short)lid); w.EndStruct(); // StringType / ListType are empty structs
            w.EndStruct();
        }
        w.EndStruct();
    }
}

internal sealed class Statistics
{
    public byte[]? Max, Min, MaxValue, MinValue;
    public long? NullCount, DistinctCount;

    public static Statistics Read(R r)
    {
        var s = new Statistics();
        r.BeginStruct();
        while (r.NextField(out var id, out var t))
        {
            switch (id)
            {
                case 1 when t == R.Binary: s.Max = r.ReadBinary(); break;
                case 2 when t == R.Binary: s.Min = r.ReadBinary(); break;
                case 3 when t == R.I64: s.NullCount = r.ReadI64(); break;
                case 4 when t == R.I64: s.DistinctCount = r.ReadI64(); break;
                case 5 when t == R.Binary: s.MaxValue = r.ReadBinary(); break;
                case 6 when t == R.Binary: s.MinValue = r.ReadBinary(); break;
                default: r.Skip(t); break;
            }
        }
        r.EndStruct();
        return s;
    }

    public void Write(CompactWriter w)
    {
        if (NullCount is { } nc) w.I64(3, nc);
        if (MaxValue is not null) w.Binary(5, MaxValue);
        if (MinValue is not null) w.Binary(6, MinValue);
        w.EndStruct();
    }
}

internal sealed class ColumnMetaData
{
    public PhysicalType Type;
    public List<int> Encodings = new();
    public List<string> PathInSchema = new();
    public int Codec;
    public long NumValues, TotalUncompressedSize, TotalCompressedSize, DataPageOffset;
    public long? DictionaryPageOffset;
    public Statistics? Statistics;

    public static ColumnMetaData Read(R r)
    {
        var m = new ColumnMetaData();
        r.BeginStruct();
        while (r.NextField(out var id, out var t))
        {
            switch (id)
            {
                case 1 when t == R.I32: m.Type = (PhysicalType)r.ReadI32(); break;
                case 2 when t == R.List:
                    {
                        int n = r.ReadListHeader(out var et);
                        for (int i = 0; i < n; i++) { if (et == R.I32) m.Encodings.Add(r.ReadI32()); else r.Skip(et); }
                        break;
                    }
                case 3 when t == R.List:
                    {
                        int n = r.ReadListHeader(out var et);
                        for (int i = 0; i < n; i++) { if (et == R.Binary) m.PathInSchema.Add(r.ReadString()); else r.Skip(et); }
                        break;
                    }
                case 4 when t == R.I32: m.Codec = r.ReadI32(); break;
                case 5 when t == R.I64: m.NumValues = r.ReadI64(); break;
                case 6 when t == R.I64: m.TotalUncompressedSize = r.ReadI64(); break;
                case 7 when t == R.I64: m.TotalCompressedSize = r.ReadI64(); break;
                case 9 when t == R.I64: m.DataPageOffset = r.ReadI64(); break;
                case 11 when t == R.I64: m.DictionaryPageOffset = r.ReadI64(); break;
                case 12 when t == R.Struct: m.Statistics = Statistics.Read(r); break;
                default: r.Skip(t); break;
            }
        }
        r.EndStruct();
        return m;
    }

    /// <summary>Writes the fields; the caller has opened the struct.</summary>
    public void WriteBody(CompactWriter w)
    {
        w.I32(1, (int)Type);
        w.ListField(2, R.I32, Encodings.Count);
        foreach (var e in Encodings) w.ListI32(e);
        w.ListField(3, R.Binary, PathInSchema.Count);
        foreach (var p in PathInSchema) w.ListString(p);
        w.I32(4, Codec);
        w.I64(5, NumValues);
        w.I64(6, TotalUncompressedSize);
        w.I64(7, TotalCompressedSize);
        w.I64(9, DataPageOffset);
        if (DictionaryPageOffset is { } d) w.I64(11, d);
        if (Statistics is not null) { w.StructField(12); Statistics.Write(w); }
        w.EndStruct();
    }
}

internal sealed class ColumnChunk
{
    public string? FilePath;
    public long FileOffset;
    public ColumnMetaData? MetaData;

    public static ColumnChunk Read(R r)
    {
        var c = new ColumnChunk();
        r.BeginStruct();
        while (r.NextField(out var id, out var t))
        {
            switch (id)
            {
                case 1 when t == R.Binary: c.FilePath = r.ReadString(); break;
                case 2 when t == R.I64: c.FileOffset = r.ReadI64(); break;
                case 3 when t == R.Struct: c.MetaData = ColumnMetaData.Read(r); break;
                default: r.Skip(t); break;
            }
        }
        r.EndStruct();
        return c;
    }
}

internal sealed class RowGroupMeta
{
    public List<ColumnChunk> Columns = new();
    public long TotalByteSize, NumRows;
    public long? FileOffset, TotalCompressedSize;

    public static RowGroupMeta Read(R r)
    {
        var g = new RowGroupMeta();
        r.BeginStruct();
        while (r.NextField(out var id, out var t))
        {
            switch (id)
            {
                case 1 when t == R.List:
                    {
                        int n = r.ReadListHeader(out var et);
                        for (int i = 0; i < n; i++) { if (et == R.Struct) g.Columns.Add(ColumnChunk.Read(r)); else r.Skip(et); }
                        break;
                    }
                case 2 when t == R.I64: g.TotalByteSize = r.ReadI64(); break;
                case 3 when t == R.I64: g.NumRows = r.ReadI64(); break;
                case 5 when t == R.I64: g.FileOffset = r.ReadI64(); break;
                case 6 when t == R.I64: g.TotalCompressedSize = r.ReadI64(); break;
                default: r.Skip(t); break;
            }
        }
        r.EndStruct();
        return g;
    }

    public void Write(CompactWriter w, short ordinal)
    {
        w.BeginStruct();
        w.ListField(1, R.Struct, Columns.Count);
        foreach (var c in Columns)
        {
            w.BeginStruct();
            w.I64(2, c.FileOffset);
            w.StructField(3); c.MetaData!.WriteBody(w);
            w.EndStruct();
        }
        w.I64(2, TotalByteSize);
        w.I64(3, NumRows);
        if (FileOffset is { } fo) w.I64(5, fo);
        if (TotalCompressedSize is { } tc) w.I64(6, tc);
        w.I16(7, ordinal);
        w.EndStruct();
    }
}

internal sealed class FileMetaData
{
    public int Version = 1;
    public List<SchemaElement> Schema = new();
    public long NumRows;
    public List<RowGroupMeta> RowGroups = new();
    public List<KeyValuePair<string, string?>> KeyValues = new();
    public string? CreatedBy;

    public static FileMetaData Read(R r)
    {
        var f = new FileMetaData();
        r.BeginStruct();
        while (r.NextField(out var id, out var t))
        {
            switch (id)
            {
                case 1 when t == R.I32: f.Version = r.ReadI32(); break;
                case 2 when t == R.List:
                    {
                        int n = r.ReadListHeader(out var et);
                        for (int i = 0; i < n; i++) { if (et == R.Struct) f.Schema.Add(SchemaElement.Read(r)); else r.Skip(et); }
                        break;
                    }
                case 3 when t == R.I64: f.NumRows = r.ReadI64(); break;
                case 4 when t == R.List:
                    {
                        int n = r.ReadListHeader(out var et);
                        for (int i = 0; i < n; i++) { if (et == R.Struct) f.RowGroups.Add(RowGroupMeta.Read(r)); else r.Skip(et); }
                        break;
                    }
                case 5 when t == R.List:
                    {
                        int n = r.ReadListHeader(out var et);
                        for (int i = 0; i < n; i++)
                        {
                            if (et != R.Struct) { r.Skip(et); continue; }
                            string key = ""; string? value = null;
                            r.BeginStruct();
                            while (r.NextField(out var kid, out var kt))
                            {
                                if (kid == 1 && kt == R.Binary) key = r.ReadString();
                                else if (kid == 2 && kt == R.Binary) value = r.ReadString();
                                else r.Skip(kt);
                            }
                            r.EndStruct();
                            f.KeyValues.Add(new(key, value));
                        }
                        break;
                    }
                case 6 when t == R.Binary: f.CreatedBy = r.ReadString(); break;
                default: r.Skip(t); break;
            }
        }
        r.EndStruct();
        return f;
    }

    public void Write(CompactWriter w)
    {
        w.BeginStruct();
        w.I32(1, Version);
        w.ListField(2, R.Struct, Schema.Count);
        foreach (var s in Schema) s.Write(w);
        w.I64(3, NumRows);
        w.ListField(4, R.Struct, RowGroups.Count);
        for (int i = 0; i < RowGroups.Count; i++) RowGroups[i].Write(w, (short)i);
        if (KeyValues.Count > 0)
        {
            w.ListField(5, R.Struct, KeyValues.Count);
            foreach (var kv in KeyValues)
            {
                w.BeginStruct();
                w.String(1, kv.Key);
                if (kv.Value is not null) w.String(2, kv.Value);
                w.EndStruct();
            }
        }
        if (CreatedBy is not null) w.String(6, CreatedBy);
        // column_orders: TYPE_ORDER for every leaf so readers trust min_value/max_value
        int leaves = Schema.Count(s => s.Type is not null);
        w.ListField(7, R.Struct, leaves);
        for (int i = 0; i < leaves; i++) { w.BeginStruct(); w.StructField(1); w.EndStruct(); w.EndStruct(); }
        w.EndStruct();
    }
}

internal sealed class PageHeader
{
    public PageType Type;
    public int UncompressedSize, CompressedSize;
    // data page v1 / v2 / dictionary
    public int NumValues;
    public Encoding Encoding;
    public Encoding DefinitionLevelEncoding = Encoding.Rle, RepetitionLevelEncoding = Encoding.Rle;
    public int NumNulls, NumRows, DefLevelsByteLength, RepLevelsByteLength;
    public bool IsCompressed = true;
    public bool HasDataHeader, HasDictHeader, HasV2Header;
    /// <summary>CRC-32 of the page bytes after the header, as stored (compressed); null when the writer left it out.</summary>
    public uint? Crc;

    public static PageHeader Read(R r)
    {
        var h = new PageHeader();
        bool hasType = false, hasU = false, hasC = false;
        r.BeginStruct();
        while (r.NextField(out var id, out var t))
        {
            switch (id)
            {
                case 1 when t == R.I32: h.Type = (PageType)r.ReadI32(); hasType = true; break;
                case 2 when t == R.I32: h.UncompressedSize = r.ReadI32(); hasU = true; break;
                case 3 when t == R.I32: h.CompressedSize = r.ReadI32(); hasC = true; break;
                case 4 when t == R.I32: h.Crc = unchecked((uint)r.ReadI32()); break;
                case 5 when t == R.Struct:
                    h.HasDataHeader = true;
                    r.BeginStruct();
                    while (r.NextField(out var did, out var dt))
                    {
                        switch (did)
                        {
                            case 1 when dt == R.I32: h.NumValues = r.ReadI32(); break;
                            case 2 when dt == R.I32: h.Encoding = (Encoding)r.ReadI32(); break;
                            case 3 when dt == R.I32: h.DefinitionLevelEncoding = (Encoding)r.ReadI32(); break;
                            case 4 when dt == R.I32: h.RepetitionLevelEncoding = (Encoding)r.ReadI32(); break;
                            default: r.Skip(dt); break;
                        }
                    }
                    r.EndStruct();
                    break;
                case 7 when t == R.Struct:
                    h.HasDictHeader = true;
                    r.BeginStruct();
                    while (r.NextField(out var did, out var dt))
                    {
                        switch (did)
                        {
                            case 1 when dt == R.I32: h.NumValues = r.ReadI32(); break;
                            case 2 when dt == R.I32: h.Encoding = (Encoding)r.ReadI32(); break;
                            default: r.Skip(dt); break;
                        }
                    }
                    r.EndStruct();
                    break;
                case 8 when t == R.Struct:
                    h.HasV2Header = true;
                    r.BeginStruct();
                    while (r.NextField(out var did, out var dt))
                    {
                        switch (did)
                        {
                            case 1 when dt == R.I32: h.NumValues = r.ReadI32(); break;
                            case 2 when dt == R.I32: h.NumNulls = r.ReadI32(); break;
                            case 3 when dt == R.I32: h.NumRows = r.ReadI32(); break;
                            case 4 when dt == R.I32: h.Encoding = (Encoding)r.ReadI32(); break;
                            case 5 when dt == R.I32: h.DefLevelsByteLength = r.ReadI32(); break;
                            case 6 when dt == R.I32: h.RepLevelsByteLength = r.ReadI32(); break;
                            case 7 when dt is R.True or R.False: h.IsCompressed = r.ReadBoolField(); break;
                            default: r.Skip(dt); break;
                        }
                    }
                    r.EndStruct();
                    break;
                default: r.Skip(t); break;
            }
        }
        r.EndStruct();
        if (!hasType || !hasU || !hasC) throw new CorruptDataException("page header lacks type or sizes");
        return h;
    }

    public static void WriteDataPageV1(CompactWriter w, int uncompressed, int compressed, int numValues,
        Encoding encoding, Statistics? stats, uint crc)
    {
        w.Clear();
        w.BeginStruct();
        w.I32(1, (int)PageType.DataPage);
        w.I32(2, uncompressed);
        w.I32(3, compressed);
        w.I32(4, unchecked((int)crc));
        w.StructField(5);
        w.I32(1, numValues);
        w.I32(2, (int)encoding);
        w.I32(3, (int)Encoding.Rle);
        w.I32(4, (int)Encoding.Rle);
        if (stats is not null) { w.StructField(5); stats.Write(w); }
        w.EndStruct();
        w.EndStruct();
    }

    public static void WriteDictionaryPage(CompactWriter w, int uncompressed, int compressed, int numValues, uint crc)
    {
        w.Clear();
        w.BeginStruct();
        w.I32(1, (int)PageType.DictionaryPage);
        w.I32(2, uncompressed);
        w.I32(3, compressed);
        w.I32(4, unchecked((int)crc));
        w.StructField(7);
        w.I32(1, numValues);
        w.I32(2, (int)Encoding.Plain);
        w.EndStruct();
        w.EndStruct();
    }
}
