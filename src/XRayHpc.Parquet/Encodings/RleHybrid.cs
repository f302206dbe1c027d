using System.Buffers.Binary;

namespace XRayHpc.Parquet.Encodings;

/// <summary>The RLE / bit-packing hybrid used for levels, dictionary indices and RLE booleans.</summary>
internal static class RleHybrid
{
    /// <summary>Decodes exactly dst.Length values; returns the bytes consumed. Runs longer than needed are
    /// cut (writers pad the last bit-packed group), runs that stop short of dst.Length are corrupt.</summary>
    public static int Decode(ReadOnlySpan<byte> src, int bitWidth, Span<int> dst)
    {
        if ((uint)bitWidth > 32) throw new CorruptDataException($"RLE bit width {bitWidth} is out of range");
        int pos = 0, n = 0;
        int byteWidth = (bitWidth + 7) / 8;
        while (n < dst.Length)
        {
            if (pos >= src.Length) throw new CorruptDataException($"RLE data ends after {n} of {dst.Length} values", pos);
            ulong header = ReadVarint(src, ref pos);
            if ((header & 1) == 0)
            {
                ulong run = header >> 1;
                if (pos + byteWidth > src.Length) throw new CorruptDataException("RLE run value is truncated", pos);
                int value = 0;
                for (int b = 0; b < byteWidth; b++) value |= src[pos + b] << (8 * b);
                pos += byteWidth;
                if (bitWidth < 32 && (uint)value >> bitWidth != 0) throw new CorruptDataException($"RLE value {value} exceeds bit width {bitWidth}", pos);
                int take = (int)Math.Min(run, (ulong)(dst.Length - n));
                dst.Slice(n, take).Fill(value);
                n += take;
            }
            else
            {
                ulong groups = header >> 1;
                ulong bytes = groups * (ulong)bitWidth;
                if (bytes > (ulong)(src.Length - pos)) throw new CorruptDataException("bit-packed run is truncated", pos);
                int count = (int)Math.Min(groups * 8, (ulong)(dst.Length - n));
                Unpack(src.Slice(pos, (int)bytes), bitWidth, dst.Slice(n, count));
                n += count;
                pos += (int)bytes;
            }
        }
        return pos;
    }

    /// <summary>ULEB128 as used by RLE run headers and the delta encodings; bounded so corrupt input cannot loop.</summary>
    internal static ulong ReadVarint(ReadOnlySpan<byte> src, ref int pos)
    {
        ulong v = 0;
        for (int shift = 0; shift < 64; shift += 7)
        {
            if (pos >= src.Length) throw new CorruptDataException("varint is truncated", pos);
            byte b = src[pos++];
            v |= (ulong)(b & 0x7F) << shift;
            if ((b & 0x80) == 0) return v;
        }
        throw new CorruptDataException("varint is too long", pos);
    }

    /// <summary>LSB-first bit unpacking of dst.Length values.</summary>
    public static void Unpack(ReadOnlySpan<byte> src, int bitWidth, Span<int> dst)
    {
        if (bitWidth == 0) { dst.Clear(); return; }
        ulong mask = bitWidth == 32 ? uint.MaxValue : (1UL << bitWidth) - 1;
        ulong buf = 0; int bits = 0, pos = 0;
        for (int i = 0; i < dst.Length; i++)
        {
            while (bits < bitWidth)
            {
                buf |= (ulong)(pos < src.Length ? src[pos] : 0) << bits;
                pos++; bits += 8;
            }
            dst[i] = (int)(buf & mask);
            buf >>= bitWidth; bits -= bitWidth;
        }
    }

    public static int BitWidth(int maxValue) => maxValue == 0 ? 0 : 32 - System.Numerics.BitOperations.LeadingZeroCount((uint)maxValue);

    /// <summary>Encodes values: long runs as RLE runs, everything else as bit-packed groups of 8.</summary>
    public static void Encode(ReadOnlySpan<int> values, int bitWidth, ByteBuffer outp)
    {
        const int MinRun = 16;
        int i = 0, n = values.Length;
        int byteWidth = (bitWidth + 7) / 8;
        while (i < n)
        {
            int run = RunLength(values, i);
            if (run >= MinRun || (run == n - i))
            {
                outp.WriteVarint((ulong)run << 1);
                int v = values[i];
                for (int b = 0; b < byteWidth; b++) outp.WriteByte((byte)(v >> (8 * b)));
                i += run;
                continue;
            }
            // bit-packed section: whole groups of 8 until a long run starts at a group boundary
            int start = i, groups = 0;
            while (i < n && (groups == 0 || RunLength(values, i) < MinRun))
            {
                i = Math.Min(n, i + 8);
                groups++;
            }
            outp.WriteVarint(((ulong)groups << 1) | 1);
            Pack(values[start..i], bitWidth, groups, outp);
        }
    }

    static int RunLength(ReadOnlySpan<int> v, int i)
    {
        int j = i + 1;
        while (j < v.Length && v[j] == v[i]) j++;
        return j - i;
    }

    static void Pack(ReadOnlySpan<int> values, int bitWidth, int groups, ByteBuffer outp)
    {
        var dst = outp.Reserve(groups * bitWidth);
        dst.Clear();
        ulong buf = 0; int bits = 0, pos = 0;
        for (int k = 0; k < groups * 8; k++)
        {
            ulong v = k < values.Length ? (uint)values[k] : 0;
            buf |= v << bits; bits += bitWidth;
            while (bits >= 8) { dst[pos++] = (byte)buf; buf >>= 8; bits -= 8; }
        }
        if (bits > 0) dst[pos] = (byte)buf;
    }

    /// <summary>Levels as data page v1 stores them: a 4-byte length, then the hybrid runs.</summary>
    public static void EncodeWithLength(ReadOnlySpan<int> values, int bitWidth, ByteBuffer outp)
    {
        int lenPos = outp.Length;
        outp.Reserve(4);
        Encode(values, bitWidth, outp);
        BinaryPrimitives.WriteInt32LittleEndian(outp.Buffer.AsSpan(lenPos), outp.Length - lenPos - 4);
    }
}
