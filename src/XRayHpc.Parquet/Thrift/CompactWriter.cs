using System.Buffers.Binary;
using System.Text;

namespace XRayHpc.Parquet.Thrift;

/// <summary>Thrift compact protocol writer into a growable buffer.</summary>
internal sealed class CompactWriter
{
    byte[] _buf = new byte[256];
    int _len;
    readonly Stack<short> _lastField = new();
    short _last;

    public ReadOnlySpan<byte> Written => _buf.AsSpan(0, _len);
    public int Length => _len;
    public void Clear() { _len = 0; _last = 0; _lastField.Clear(); }

    void Ensure(int n)
    {
        if (_len + n <= _buf.Length) return;
        Array.Resize(ref _buf, Math.Max(_buf.Length * 2, _len + n));
    }

    void Byte(byte b) { Ensure(1); _buf[_len++] = b; }

    void Varint(ulong v)
    {
        Ensure(10);
        while (v >= 0x80) { _buf[_len++] = (byte)(v | 0x80); v >>= 7; }
        _buf[_len++] = (byte)v;
    }

    void FieldHeader(short id, byte type)
    {
        int delta = id - _last;
        if (delta > 0 && delta <= 15) Byte((byte)(delta << 4 | type));
        else { Byte(type); Varint((ulong)(uint)((id << 1) ^ (id >> 31))); }
        _last = id;
    }

    public void BeginStruct() { _lastField.Push(_last); _last = 0; }
    public void EndStruct() { Byte(CompactReader.Stop); _last = _lastField.Pop(); }

    public void StructField(short id) { FieldHeader(id, CompactReader.Struct); BeginStruct(); }

    public void I32(short id, int v) { FieldHeader(id, CompactReader.I32); Varint((ulong)(uint)((v << 1) ^ (v >> 31))); }
    public void I16(short id, short v) { FieldHeader(id, CompactReader.I16); Varint((ulong)(uint)((v << 1) ^ (v >> 31))); }
    public void I64(short id, long v) { FieldHeader(id, CompactReader.I64); Varint((ulong)((v << 1) ^ (v >> 63))); }
    public void Bool(short id, bool v) => FieldHeader(id, v ? CompactReader.True : CompactReader.False);

    public void Binary(short id, ReadOnlySpan<byte> v) { FieldHeader(id, CompactReader.Binary); RawBinary(v); }
    public void String(short id, string v) => Binary(id, Encoding.UTF8.GetBytes(v));

    void RawBinary(ReadOnlySpan<byte> v)
    {
        Varint((ulong)v.Length);
        Ensure(v.Length);
        v.CopyTo(_buf.AsSpan(_len));
        _len += v.Length;
    }

    public void ListField(short id, byte elemType, int count)
    {
        FieldHeader(id, CompactReader.List);
        if (count < 15) Byte((byte)(count << 4 | elemType));
        else { Byte((byte)(0xF0 | elemType)); Varint((ulong)count); }
    }

    public void ListI32(int v) => Varint((ulong)(uint)((v << 1) ^ (v >> 31)));
    public void ListString(string v) => RawBinary(Encoding.UTF8.GetBytes(v));
}
