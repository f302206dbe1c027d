using System.Buffers;
using System.Buffers.Binary;
using XRayHpc.Parquet.Compression;
using XRayHpc.Parquet.Encodings;
using XRayHpc.Parquet.Format;
using XRayHpc.Parquet.Thrift;
using Enc = XRayHpc.Parquet.Format.Encoding;

namespace XRayHpc.Parquet;

/// <summary>
/// Decodes the pages of one column chunk (already in memory) into slot-aligned values. Arrays grow as
/// values actually decode, so a corrupt count in the metadata cannot make us allocate ahead of the data.
/// </summary>
internal sealed class ColumnChunkReader<T> where T : struct
{
    readonly LeafDescriptor _d;
    readonly CodecId _codec;
    readonly byte[] _chunk;
    readonly int _chunkLen;
    readonly long _expectedValues;
    readonly long _expectedRows;
    readonly ValueDecoder<T> _decoder;
    readonly Arena? _arena;
    readonly bool _chunkIsArena; // uncompressed binary chunk: values stay where they were read

    /// <summary>Position (within the chunk) of the page being decoded, for error messages.</summary>
    public int CurrentPageOffset { get; private set; }

    T[] _values;
    int _slots;
    bool[]? _slotValid;     // flat: row validity; list: element validity
    int _rows;
    int[]? _listOffsets;    // lists
    bool[]? _rowValid;      // lists: null lists
    T[]? _dict;
    long _valuesSeen;

    public ColumnChunkReader(LeafDescriptor d, CodecId codec, byte[] chunk, int chunkLen, long expectedValues,
        long expectedRows, ValueDecoder<T> decoder, bool binary, bool chunkIsArena, int arenaHint = 0)
    {
        _d = d; _codec = codec; _chunk = chunk; _chunkLen = chunkLen; _expectedValues = expectedValues;
        _expectedRows = expectedRows; _decoder = decoder;
        int initial = (int)Math.Min(expectedValues, 1024L + chunkLen * 8L);
        _values = new T[Math.Max(initial, 0)];
        _chunkIsArena = binary && chunkIsArena && codec == CodecId.Uncompressed;
        if (_chunkIsArena) _arena = new Arena(chunk, chunkLen);
        else if (binary) _arena = new Arena(Math.Max(arenaHint, (int)Math.Min(chunkLen + 1024L, Array.MaxLength)));
        if (d.MaxRep > 0) _listOffsets = new int[Math.Max(1, (int)Math.Min(expectedRows + 1, 1024L + chunkLen * 8L))];
    }

    /// <summary>Check the CRC-32 (when the writer recorded one) of each page whose header starts at or after this
    /// chunk offset: the pages before it were checked as they were read (<see cref="PageChecksumScanner"/>);
    /// int.MaxValue checks none.</summary>
    public int VerifyChecksumsFrom { get; init; }
    /// <summary>Index of the page being decoded within the chunk (0 = first), for error messages.</summary>
    public int CurrentPage { get; private set; } = -1;

    public ColumnData Read()
    {
        int pos = 0;
        while (_valuesSeen < _expectedValues)
        {
            CurrentPage++;
            if (pos >= _chunkLen)
                throw new CorruptDataException($"column chunk ends after {_valuesSeen} of {_expectedValues} values", pos);
            CurrentPageOffset = pos;
            var r = new CompactReader(_chunk, pos, _chunkLen - pos);
            PageHeader h;
            try { h = PageHeader.Read(r); }
            catch (CorruptDataException e) { throw new CorruptDataException($"corrupt page header: {e.Message}", pos); }
            pos = r.Position;
            if (h.CompressedSize < 0 || h.CompressedSize > _chunkLen - pos)
                throw new CorruptDataException($"page size {h.CompressedSize} runs past the column chunk ({_chunkLen - pos} bytes left)", CurrentPageOffset);
            if (h.UncompressedSize < 0) throw new CorruptDataException($"uncompressed page size {h.UncompressedSize} is negative", CurrentPageOffset);
            if (CurrentPageOffset >= VerifyChecksumsFrom && h.Crc is { } expected && Crc32.Compute(_chunk.AsSpan(pos, h.CompressedSize)) is var actual && actual != expected)
                throw new CorruptDataException($"page {CurrentPage}: CRC-32 mismatch (header {expected:x8}, page bytes {actual:x8}): the page is corrupt", CurrentPageOffset);
            switch (h.Type)
            {
                case PageType.DictionaryPage: ReadDictionary(h, pos); break;
                case PageType.DataPage: ReadDataPageV1(h, pos); break;
                case PageType.DataPageV2: ReadDataPageV2(h, pos); break;
                case PageType.IndexPage: break;
                default: throw new CorruptDataException($"unknown page type {(int)h.Type}", CurrentPageOffset);
            }
            pos += h.CompressedSize;
        }
        if (_rows != _expectedRows)
            throw new CorruptDataException($"column chunk holds {_rows} rows, the row group says {_expectedRows}");
        return Build();
    }

    void CheckExpansion(int compressed, int uncompressed, CodecId codec)
    {
        if (Codecs.MaxExpansion(codec, compressed) is { } max && uncompressed > max)
            throw new CorruptDataException($"decompressed size mismatch: page claims {uncompressed} bytes from {compressed} compressed {codec} bytes", CurrentPageOffset);
    }

    /// <summary>Decompresses a page (or v2 values section) at chunk offset <paramref name="at"/> into the arena
    /// (binary columns) or a pooled buffer; uncompressed numeric pages are used in place.</summary>
    (byte[] buf, int offset, byte[]? rented) Decompress(int at, int length, int uncompressed, CodecId codec)
    {
        CheckExpansion(length, uncompressed, codec);
        var src = _chunk.AsSpan(at, length);
        if (_chunkIsArena && codec == CodecId.Uncompressed)
        {
            if (length != uncompressed) throw new CorruptDataException($"decompressed size mismatch: uncompressed page has {length} bytes, header says {uncompressed}", CurrentPageOffset);
            return (_chunk, at, null);
        }
        if (_arena is not null)
        {
            int dst = _arena.Reserve(uncompressed);
            Codecs.Decompress(codec, src, _arena.Buffer.AsSpan(dst, uncompressed));
            return (_arena.Buffer, dst, null);
        }
        if (codec == CodecId.Uncompressed)
        {
            if (length != uncompressed) throw new CorruptDataException($"decompressed size mismatch: uncompressed page has {length} bytes, header says {uncompressed}", CurrentPageOffset);
            return (_chunk, at, null);
        }
        var rented = ArrayPool<byte>.Shared.Rent(Math.Max(uncompressed, 1));
        Codecs.Decompress(codec, src, rented.AsSpan(0, uncompressed));
        return (rented, 0, rented);
    }

    void ReadDictionary(PageHeader h, int at)
    {
        if (!h.HasDictHeader) throw new CorruptDataException("dictionary page lacks its header", CurrentPageOffset);
        if (h.Encoding is not (Enc.Plain or Enc.PlainDictionary)) throw new CorruptDataException($"dictionary page encoding {h.Encoding} is not supported", CurrentPageOffset);
        if (h.NumValues < 0 || (long)h.NumValues > (long)h.UncompressedSize * 8 + 8)
            throw new CorruptDataException($"dictionary page claims {h.NumValues} entries in {h.UncompressedSize} bytes", CurrentPageOffset);
        var (buf, off, rented) = Decompress(at, h.CompressedSize, h.UncompressedSize, _codec);
        try { _dict = _decoder.DecodeDictionary(buf.AsSpan(off, h.UncompressedSize), off, h.NumValues); }
        finally { if (rented is not null) ArrayPool<byte>.Shared.Return(rented); }
    }

    void CheckPageValues(int n)
    {
        if (n < 0 || _valuesSeen + n > _expectedValues)
            throw new CorruptDataException($"page claims {n} values but the column chunk has {_expectedValues - _valuesSeen} left", CurrentPageOffset);
    }

    void ReadDataPageV1(PageHeader h, int at)
    {
        if (!h.HasDataHeader) throw new CorruptDataException("data page lacks its header", CurrentPageOffset);
        int n = h.NumValues;
        CheckPageValues(n);
        var (buf, off, rented) = Decompress(at, h.CompressedSize, h.UncompressedSize, _codec);
        int[]? rep = null, def = null;
        try
        {
            var page = buf.AsSpan(off, h.UncompressedSize);
            int p = 0;
            if (_d.MaxRep > 0) { rep = ArrayPool<int>.Shared.Rent(n); p += ReadLevelsV1(page[p..], h.RepetitionLevelEncoding, _d.MaxRep, rep.AsSpan(0, n)); }
            if (_d.MaxDef > 0) { def = ArrayPool<int>.Shared.Rent(n); p += ReadLevelsV1(page[p..], h.DefinitionLevelEncoding, _d.MaxDef, def.AsSpan(0, n)); }
            Assemble(n, rep, def, h.Encoding, page[p..], off + p);
        }
        finally
        {
            if (rented is not null) ArrayPool<byte>.Shared.Return(rented);
            if (rep is not null) ArrayPool<int>.Shared.Return(rep);
            if (def is not null) ArrayPool<int>.Shared.Return(def);
        }
        _valuesSeen += n;
    }

    int ReadLevelsV1(ReadOnlySpan<byte> src, Enc enc, int max, Span<int> dst)
    {
        if (enc != Enc.Rle) throw new CorruptDataException($"level encoding {enc} is not supported", CurrentPageOffset);
        if (src.Length < 4) throw new CorruptDataException("levels are truncated", CurrentPageOffset);
        int len = BinaryPrimitives.ReadInt32LittleEndian(src);
        if (len < 0 || len > src.Length - 4) throw new CorruptDataException($"level length {len} is out of range", CurrentPageOffset);
        RleHybrid.Decode(src.Slice(4, len), RleHybrid.BitWidth(max), dst);
        CheckLevels(dst, max);
        return 4 + len;
    }

    void CheckLevels(Span<int> levels, int max)
    {
        foreach (int l in levels)
            if ((uint)l > (uint)max) throw new CorruptDataException($"level {l} exceeds the maximum {max}", CurrentPageOffset);
    }

    void ReadDataPageV2(PageHeader h, int at)
    {
        var body = _chunk.AsSpan(at, h.CompressedSize);
        if (!h.HasV2Header) throw new CorruptDataException("data page v2 lacks its header", CurrentPageOffset);
        int n = h.NumValues;
        CheckPageValues(n);
        int repLen = h.RepLevelsByteLength, defLen = h.DefLevelsByteLength;
        if (repLen < 0 || defLen < 0 || (long)repLen + defLen > body.Length || (long)repLen + defLen > h.UncompressedSize)
            throw new CorruptDataException($"data page v2 level lengths ({repLen}, {defLen}) exceed the page", CurrentPageOffset);
        int[]? rep = null, def = null;
        byte[]? rented = null;
        try
        {
            if (_d.MaxRep > 0)
            {
                rep = ArrayPool<int>.Shared.Rent(n);
                RleHybrid.Decode(body[..repLen], RleHybrid.BitWidth(_d.MaxRep), rep.AsSpan(0, n));
                CheckLevels(rep.AsSpan(0, n), _d.MaxRep);
            }
            if (_d.MaxDef > 0)
            {
                def = ArrayPool<int>.Shared.Rent(n);
                RleHybrid.Decode(body.Slice(repLen, defLen), RleHybrid.BitWidth(_d.MaxDef), def.AsSpan(0, n));
                CheckLevels(def.AsSpan(0, n), _d.MaxDef);
            }
            int valuesLen = h.UncompressedSize - repLen - defLen;
            var codec = h.IsCompressed ? _codec : CodecId.Uncompressed;
            (byte[] buf, int off, rented) = Decompress(at + repLen + defLen, h.CompressedSize - repLen - defLen, valuesLen, codec);
            Assemble(n, rep, def, h.Encoding, buf.AsSpan(off, valuesLen), off);
        }
        finally
        {
            if (rented is not null) ArrayPool<byte>.Shared.Return(rented);
            if (rep is not null) ArrayPool<int>.Shared.Return(rep);
            if (def is not null) ArrayPool<int>.Shared.Return(def);
        }
        _valuesSeen += n;
    }

    void EnsureSlots(int need)
    {
        if (need <= _values.Length) return;
        int cap = (int)Math.Min(Array.MaxLength, Math.Max(need, Math.Min((long)_values.Length * 2, _expectedValues)));
        Array.Resize(ref _values, Math.Max(cap, need));
        if (_slotValid is not null) Array.Resize(ref _slotValid, _values.Length);
    }

    void MarkInvalid(int slot)
    {
        if (_slotValid is null)
        {
            // every slot before this one was valid, including earlier slots of the current page
            _slotValid = new bool[_values.Length];
            Array.Fill(_slotValid, true, 0, slot);
        }
        _slotValid[slot] = false;
    }

    void Assemble(int n, int[]? rep, int[]? def, Enc enc, ReadOnlySpan<byte> values, int arenaOffset)
    {
        int maxDef = _d.MaxDef;
        int slotsInPage = n, dense = n;
        if (def is not null)
        {
            dense = 0; slotsInPage = 0;
            for (int i = 0; i < n; i++)
            {
                if (def[i] == maxDef) dense++;
                if (def[i] >= _d.ElementDef) slotsInPage++;
            }
            if (_d.MaxRep == 0) slotsInPage = n;
        }
        if ((long)_slots + slotsInPage > Array.MaxLength) throw new CorruptDataException("column chunk has too many values");
        EnsureSlots(_slots + slotsInPage);
        var dst = _values.AsSpan(_slots, slotsInPage);
        _decoder.Decode(enc, values, arenaOffset, dst[..dense], _dict, _arena);

        if (_d.MaxRep == 0)
        {
            if (dense < n) Expand(dst, n, def!, maxDef, null);
            else if (_slotValid is not null) Array.Fill(_slotValid, true, _slots, n);
            _slots += n;
            _rows += n;
            return;
        }

        // lists: walk levels to build row offsets, null lists and null elements
        if (dense < slotsInPage) Expand(dst, n, def!, maxDef, _d.ElementDef);
        int slot = _slots;
        for (int i = 0; i < n; i++)
        {
            int d = def is null ? maxDef : def[i];
            if (rep![i] == 0)
            {
                if (_rows >= _listOffsets!.Length - 1)
                {
                    long cap = Math.Max(_rows + 2L, Math.Min(_listOffsets.Length * 2L, _expectedRows + 1));
                    if (cap > Array.MaxLength) throw new CorruptDataException("too many rows");
                    Array.Resize(ref _listOffsets, (int)cap);
                    if (_rowValid is not null) Array.Resize(ref _rowValid, _listOffsets.Length);
                }
                _listOffsets[_rows] = slot;
                if (d < _d.ListPresentDef)
                {
                    if (_rowValid is null) { _rowValid = new bool[_listOffsets.Length]; Array.Fill(_rowValid, true, 0, _rows); }
                    _rowValid[_rows] = false;
                }
                else if (_rowValid is not null) _rowValid[_rows] = true;
                _rows++;
            }
            else if (_rows == 0) throw new CorruptDataException("the first value of the column chunk continues a row", CurrentPageOffset);
            else if (d < _d.ElementDef) throw new CorruptDataException("an empty or null list continues a row", CurrentPageOffset);
            if (d >= _d.ElementDef)
            {
                if (d < maxDef) MarkInvalid(slot);
                else if (_slotValid is not null) _slotValid[slot] = true;
                slot++;
            }
        }
        _slots = slot;
    }

    /// <summary>Spreads dense values over their slots in place (back to front), zeroing null slots.</summary>
    void Expand(Span<T> dst, int n, int[] def, int maxDef, int? elementDef)
    {
        int j = -1;
        for (int i = 0; i < n; i++) if (def[i] == maxDef) j++;
        int s = dst.Length - 1;
        for (int i = n - 1; i >= 0; i--)
        {
            int d = def[i];
            if (elementDef is { } ed && d < ed) continue; // no slot
            if (d == maxDef) dst[s] = dst[j--];
            else
            {
                dst[s] = default;
                if (elementDef is null) MarkInvalid(_slots + s);
            }
            s--;
        }
        if (elementDef is null && _slotValid is not null)
            for (int i = 0, k = 0; i < n; i++, k++) if (def[i] == maxDef) _slotValid[_slots + k] = true;
    }

    ColumnData Build()
    {
        if (_values.Length != _slots) Array.Resize(ref _values, _slots);
        bool[]? slotValid = _slotValid;
        if (slotValid is not null && slotValid.Length != _slots) Array.Resize(ref slotValid, _slots);
        var type = _d.Column.Type;
        if (_d.MaxRep == 0)
            return Make(type, false, _rows, slotValid, null, null);
        var offsets = _listOffsets!;
        if (offsets.Length != _rows + 1) Array.Resize(ref offsets, _rows + 1);
        offsets[_rows] = _slots;
        var rowValid = _rowValid;
        if (rowValid is not null && rowValid.Length != _rows) Array.Resize(ref rowValid, _rows);
        return Make(type, true, _rows, rowValid, offsets, slotValid);
    }

    ColumnData Make(ParquetType type, bool isList, int rows, bool[]? rowValid, int[]? offsets, bool[]? elemValid)
    {
        object v = _values;
        return v switch
        {
            int[] a => new ColumnData(type, isList, rows, rowValid, offsets, elemValid, _slots, i32: a),
            long[] a => new ColumnData(type, isList, rows, rowValid, offsets, elemValid, _slots, i64: a),
            float[] a => new ColumnData(type, isList, rows, rowValid, offsets, elemValid, _slots, f32: a),
            double[] a => new ColumnData(type, isList, rows, rowValid, offsets, elemValid, _slots, f64: a),
            bool[] a => new ColumnData(type, isList, rows, rowValid, offsets, elemValid, _slots, b: a),
            Slice[] a => new ColumnData(type, isList, rows, rowValid, offsets, elemValid, _slots, arena: _arena!.Buffer, slices: a),
            _ => throw new InvalidOperationException("unexpected value type"),
        };
    }
}
