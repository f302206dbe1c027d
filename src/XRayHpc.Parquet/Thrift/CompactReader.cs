using System.Buffers.Binary;
using System.Text;

namespace XRayHpc.Parquet.Thrift;

/// <summary>
/// Thrift compact protocol reader over an in-memory buffer. Every length and count is checked against
/// the bytes that remain, and nesting depth is capped, so corrupt input fails fast instead of
/// allocating or recursing without bound.
/// </summary>
internal sealed class CompactReader
{
    public const byte Stop = 0, True = 1, False = 2, Byte = 3, I16 = 4, I32 = 5, I64 = 6, Double = 7,
        Binary = 8, List = 9, Set = 10, Map = 11, Struct = 12;
    const int MaxDepth = 32;

    readonly byte[] _buf;
    readonly int _end;
    int _pos;
    readonly Stack<short> _lastField = new();
    short _last;
    byte _pendingBool; // compact protocol stores a bool field's value in its field header

    public CompactReader(byte[] buffer, int offset, int count)
    {
        _buf = buffer; _pos = offset; _end = offset + count;
    }

    public int Position => _pos;

    CorruptDataException Fail(string what) => new($"corrupt thrift metadata: {what}", _pos);

    public void BeginStruct()
    {
        if (_lastField.Count >= MaxDepth) throw Fail("nesting too deep");
        _lastField.Push(_last);
        _last = 0;
    }

    public void EndStruct() => _last = _lastField.Pop();

    /// <summary>Reads the next field header; returns false at the struct's stop byte.</summary>
    public bool NextField(out short id, out byte type)
    {
        byte b = ReadByteRaw();
        type = (byte)(b & 0x0F);
        if (type == Stop) { id = 0; return false; }
        int delta = b >> 4;
        id = delta != 0 ? (short)(_last + delta) : (short)ZigZag32(ReadVarint32());
        _last = id;
        if (type == True || type == False) _pendingBool = type;
        if (type > Struct) throw Fail($"unknown field type {type}");
        return true;
    }

    public bool ReadBoolField() => _pendingBool == True;

    byte ReadByteRaw()
    {
        if (_pos >= _end) throw Fail("unexpected end of data");
        return _buf[_pos++];
    }

    uint ReadVarint32()
    {
        uint result = 0;
        for (int shift = 0; shift < 35; shift += 7)
        {
            byte b = ReadByteRaw();
            result |= (uint)(b & 0x7F) << shift;
            if ((b & 0x80) == 0) return result;
        }
        throw Fail("varint too long");
    }

    ulong ReadVarint64()
    {
        ulong result = 0;
        for (int shift = 0; shift < 70; shift += 7)
        {
            byte b = ReadByteRaw();
            result |= (ulong)(b & 0x7F) << shift;
            if ((b & 0x80) == 0) return result;
        }
        throw Fail("varint too long");
    }

    static int ZigZag32(uint n) => (int)(n >> 1) ^ -(int)(n & 1);
    static long ZigZag64(ulong n) => (long)(n >> 1) ^ -(long)(n & 1);

    public int ReadI32() => ZigZag32(ReadVarint32());
    public long ReadI64() => ZigZag64(ReadVarint64());
    public short ReadI16() => (short)ReadI32();

    public double ReadDouble()
    {
        if (_end - _pos < 8) throw Fail("unexpected end of data");
        double d = BinaryPrimitives.ReadDoubleLittleEndian(_buf.AsSpan(_pos, 8));
        _pos += 8;
        return d;
    }

    public byte[] ReadBinary()
    {
        uint len = ReadVarint32();
        if (len > (uint)(_end - _pos)) throw Fail($"binary length {len} exceeds the {_end - _pos} bytes left");
        var r = _buf.AsSpan(_pos, (int)len).ToArray();
        _pos += (int)len;
        return r;
    }

    public string ReadString() => Encoding.UTF8.GetString(ReadBinary());

    /// <summary>Reads a list header; the count is bounded by the remaining bytes (each element takes at least one).</summary>
    public int ReadListHeader(out byte elemType)
    {
        byte b = ReadByteRaw();
        elemType = (byte)(b & 0x0F);
        uint size = (uint)(b >> 4);
        if (size == 15) size = ReadVarint32();
        // bools in lists take one byte each; every other type at least one byte too
        if (size > (uint)(_end - _pos)) throw Fail($"list of {size} elements exceeds the {_end - _pos} bytes left");
        return (int)size;
    }

    public void Skip(byte type, int depth = 0)
    {
        if (depth > MaxDepth) throw Fail("nesting too deep");
        switch (type)
        {
            case True: case False: return; // value already in the field header
            case Byte: ReadByteRaw(); return;
            case I16: case I32: ReadVarint32(); return;
            case I64: ReadVarint64(); return;
            case Double: ReadDouble(); return;
            case Binary:
                {
                    uint len = ReadVarint32();
                    if (len > (uint)(_end - _pos)) throw Fail("binary length beyond end");
                    _pos += (int)len; return;
                }
            case List: case Set:
                {
                    int n = ReadListHeader(out byte et);
                    for (int i = 0; i < n; i++)
                    {
                        if (et is True or False) ReadByteRaw(); else Skip(et, depth + 1);
                    }
                    return;
                }
            case Map:
                {
                    uint n = ReadVarint32();
                    if (n == 0) return;
                    if (n > (uint)(_end - _pos)) throw Fail("map size beyond end");
                    byte kv = ReadByteRaw();
                    for (uint i = 0; i < n; i++) { Skip((byte)(kv >> 4), depth + 1); Skip((byte)(kv & 0xF), depth + 1); }
                    return;
                }
            case Struct:
                BeginStruct();
                if (_lastField.Count > MaxDepth) throw Fail("nesting too deep");
                while (NextField(out _, out byte t)) Skip(t, depth + 1);
                EndStruct();
                return;
            default: throw Fail($"unknown type {type}");
        }
    }
}
