using System.Buffers.Binary;

namespace XRayHpc.Parquet.Encodings;

/// <summary>A growable byte buffer reused across pages so writing allocates only when a page is larger than any before.</summary>
internal sealed class ByteBuffer(int capacity = 4096)
{
    byte[] _buf = new byte[capacity];
    int _len;

    public byte[] Buffer => _buf;
    public int Length => _len;
    public ReadOnlySpan<byte> Span => _buf.AsSpan(0, _len);
    public void Clear() => _len = 0;

    public Span<byte> Reserve(int n)
    {
        if (_len + n > _buf.Length)
        {
            long want = Math.Max((long)_buf.Length * 2, (long)_len + n);
            Array.Resize(ref _buf, (int)Math.Min(want, Array.MaxLength));
        }
        var s = _buf.AsSpan(_len, n);
        _len += n;
        return s;
    }

    public void WriteByte(byte b) => Reserve(1)[0] = b;
    public void Write(ReadOnlySpan<byte> s) => s.CopyTo(Reserve(s.Length));
    public void WriteInt32(int v) => BinaryPrimitives.WriteInt32LittleEndian(Reserve(4), v);

    public void WriteVarint(ulong v)
    {
        while (v >= 0x80) { WriteByte((byte)(v | 0x80)); v >>= 7; }
        WriteByte((byte)v);
    }
}
