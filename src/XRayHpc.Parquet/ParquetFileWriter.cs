using System.Buffers.Binary;
using XRayHpc.Parquet.Format;
using XRayHpc.Parquet.Thrift;

namespace XRayHpc.Parquet;

/// <summary>
/// Streaming Parquet writer: each WriteRowGroup call encodes and writes its row group(s) straight to the
/// file; only the footer metadata stays in memory. Dispose writes the footer.
/// </summary>
public sealed class ParquetFileWriter : IDisposable
{
    const string CreatedBy = "XRayHpc.Parquet version 1.0";
    readonly FileStream _out;
    readonly ParquetSchema _schema;
    readonly ParquetWriteOptions _opts;
    readonly ColumnChunkWriter _chunks;
    readonly FileMetaData _meta = new() { CreatedBy = CreatedBy };
    long _position;
    bool _closed;

    public string Path { get; }
    public ParquetSchema Schema => _schema;
    public long RowCount => _meta.NumRows;

    public ParquetFileWriter(string path, ParquetSchema schema, ParquetWriteOptions? opts = null)
    {
        ArgumentNullException.ThrowIfNull(schema);
        _opts = opts ?? new ParquetWriteOptions();
        if (_opts.RowGroupRowLimit <= 0) throw new ArgumentException("RowGroupRowLimit must be positive");
        if (_opts.PageSizeBytes <= 0) throw new ArgumentException("PageSizeBytes must be positive");
        if (schema.Count == 0) throw new ArgumentException("schema has no columns");
        Path = path; _schema = schema;
        _chunks = new ColumnChunkWriter(_opts);
        _meta.Schema = BuildSchema(schema);
        if (_opts.KeyValueMetadata is { } kv)
            foreach (var (k, v) in kv) _meta.KeyValues.Add(new(k, v));
        _out = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 20);
        _out.Write("PAR1"u8);
        _position = 4;
    }

    /// <summary>Adds (or replaces) a key-value metadata entry; it is written with the footer.</summary>
    public void SetMetadata(string key, string value)
    {
        _meta.KeyValues.RemoveAll(kv => kv.Key == key);
        _meta.KeyValues.Add(new(key, value));
    }

    static List<SchemaElement> BuildSchema(ParquetSchema schema)
    {
        var els = new List<SchemaElement> { new() { Name = "schema", NumChildren = schema.Count } };
        foreach (var c in schema.Columns)
        {
            if (c.IsList)
            {
                els.Add(new SchemaElement
                {
                    Name = c.Name, NumChildren = 1, RepetitionType = c.IsOptional ? Repetition.Optional : Repetition.Required,
                    ConvertedType = ConvertedType.List, LogicalTypeId = 3,
                });
                els.Add(new SchemaElement { Name = "list", NumChildren = 1, RepetitionType = Repetition.Repeated });
                els.Add(Leaf("element", c.Type, 0, Repetition.Required));
            }
            else els.Add(Leaf(c.Name, c.Type, c.TypeLength, c.IsOptional ? Repetition.Optional : Repetition.Required));
        }
        return els;
    }

    static SchemaElement Leaf(string name, ParquetType t, int typeLength, Repetition rep) => new()
    {
        Name = name, Type = ColumnChunkWriter.Physical(t), TypeLength = typeLength, RepetitionType = rep,
        ConvertedType = t == ParquetType.String ? ConvertedType.Utf8 : null,
        LogicalTypeId = t == ParquetType.String ? 1 : null,
    };

    /// <summary>Writes the rows as one row group, or several when they exceed RowGroupRowLimit.</summary>
    public void WriteRowGroup(RowGroup rg)
    {
        ObjectDisposedException.ThrowIf(_closed, this);
        ArgumentNullException.ThrowIfNull(rg);
        if (rg.Columns.Count != _schema.Count)
            throw new ArgumentException($"{Path}: row group has {rg.Columns.Count} columns, the schema has {_schema.Count}");
        for (int c = 0; c < _schema.Count; c++) ColumnChunkWriter.Validate(_schema[c], rg.Columns[c]);
        int rows = rg.RowCount;
        if (rows == 0) { WriteOne(rg, 0, 0); return; }
        for (int r0 = 0; r0 < rows; r0 += _opts.RowGroupRowLimit)
            WriteOne(rg, r0, Math.Min(rows, r0 + _opts.RowGroupRowLimit));
    }

    void WriteOne(RowGroup rg, int r0, int r1)
    {
        var meta = new RowGroupMeta { NumRows = r1 - r0, FileOffset = _position };
        long start = _position;
        for (int c = 0; c < _schema.Count; c++)
        {
            long chunkStart = _position;
            var cm = _chunks.Write(_out, ref _position, _schema[c], rg.Columns[c], r0, r1);
            meta.Columns.Add(new ColumnChunk { FileOffset = chunkStart, MetaData = cm });
            meta.TotalByteSize += cm.TotalUncompressedSize;
        }
        meta.TotalCompressedSize = _position - start;
        _meta.RowGroups.Add(meta);
        _meta.NumRows += r1 - r0;
    }

    /// <summary>Writes the footer and closes the file.</summary>
    public void Dispose()
    {
        if (_closed) return;
        _closed = true;
        try
        {
            var w = new CompactWriter();
            _meta.Write(w);
            _out.Write(w.Written);
            Span<byte> tail = stackalloc byte[8];
            BinaryPrimitives.WriteInt32LittleEndian(tail, w.Length);
            "PAR1"u8.CopyTo(tail[4..]);
            _out.Write(tail);
            _out.Flush();
        }
        finally { _out.Dispose(); }
    }
}
