using System.Buffers;
using System.Buffers.Binary;
using System.Runtime.InteropServices;
using XRayHpc.Parquet.Format;
using Enc = XRayHpc.Parquet.Format.Encoding;

namespace XRayHpc.Parquet.Encodings;

/// <summary>Growable byte arena that owns the bytes of a binary column (pages are decompressed straight into it).</summary>
internal sealed class Arena
{
    public byte[] Buffer;
    public int Length;

    public Arena(int capacity) => Buffer = GC.AllocateUninitializedArray<byte>(Math.Max(capacity, 16));

    /// <summary>Adopts bytes already read (an uncompressed column chunk): values are sliced in place.</summary>
    public Arena(byte[] existing, int length) { Buffer = existing; Length = length; }

    public int Reserve(int n)
    {
        if ((long)Length + n > Array.MaxLength) throw new CorruptDataException("binary column chunk exceeds 2 GB");
        if (Length + n > Buffer.Length)
        {
            var nb = GC.AllocateUninitializedArray<byte>((int)Math.Min(Array.MaxLength, Math.Max((long)Buffer.Length * 2, (long)Length + n)));
            Buffer.AsSpan(0, Length).CopyTo(nb);
            Buffer = nb;
        }
        int at = Length;
        Length += n;
        return at;
    }
}

/// <summary>Decodes one page's dense (non-null) values of one physical type.</summary>
internal abstract class ValueDecoder<T> where T : struct
{
    /// <summary>data = the values section; for binary types it lies in the arena at arenaOffset.</summary>
    public abstract void Decode(Enc enc, ReadOnlySpan<byte> data, int arenaOffset, Span<T> dst, T[]? dict, Arena? arena);

    public abstract T[] DecodeDictionary(ReadOnlySpan<byte> data, int arenaOffset, int count);

    protected static void FromDictionary(ReadOnlySpan<byte> data, Span<T> dst, T[]? dict)
    {
        if (dict is null) throw new CorruptDataException("dictionary-encoded page without a dictionary page");
        if (dst.Length == 0) return;
        if (data.Length < 1) throw new CorruptDataException("dictionary index page is empty");
        int bw = data[0];
        var idx = ArrayPool<int>.Shared.Rent(dst.Length);
        try
        {
            RleHybrid.Decode(data[1..], bw, idx.AsSpan(0, dst.Length));
            for (int i = 0; i < dst.Length; i++)
            {
                uint k = (uint)idx[i];
                if (k >= (uint)dict.Length) throw new CorruptDataException($"dictionary index {k} is beyond the {dict.Length}-entry dictionary");
                dst[i] = dict[k];
            }
        }
        finally { ArrayPool<int>.Shared.Return(idx); }
    }

    protected static CorruptDataException Unsupported(Enc enc, string type) =>
        new($"encoding {enc} ({(int)enc}) is not supported for {type} values");
}

/// <summary>INT32, INT64, FLOAT, DOUBLE.</summary>
internal sealed class FixedDecoder<T> : ValueDecoder<T> where T : unmanaged
{
    static readonly int Size = Marshal.SizeOf<T>();

    public override void Decode(Enc enc, ReadOnlySpan<byte> data, int arenaOffset, Span<T> dst, T[]? dict, Arena? arena)
    {
        switch (enc)
        {
            case Enc.Plain:
                {
                    long need = (long)dst.Length * Size;
                    if (need > data.Length) throw new CorruptDataException($"PLAIN page holds {data.Length} bytes, {dst.Length} values need {need}");
                    MemoryMarshal.Cast<byte, T>(data[..(int)need]).CopyTo(dst);
                    return;
                }
            case Enc.PlainDictionary or Enc.RleDictionary:
                FromDictionary(data, dst, dict);
                return;
            case Enc.DeltaBinaryPacked when typeof(T) == typeof(int) || typeof(T) == typeof(long):
                {
                    var tmp = ArrayPool<long>.Shared.Rent(dst.Length);
                    try
                    {
                        Delta.DecodeInt64(data, tmp.AsSpan(0, dst.Length));
                        if (typeof(T) == typeof(long)) tmp.AsSpan(0, dst.Length).CopyTo(MemoryMarshal.Cast<T, long>(dst));
                        else
                        {
                            var d = MemoryMarshal.Cast<T, int>(dst);
                            for (int i = 0; i < d.Length; i++) d[i] = unchecked((int)tmp[i]);
                        }
                    }
                    finally { ArrayPool<long>.Shared.Return(tmp); }
                    return;
                }
            case Enc.ByteStreamSplit:
                {
                    int n = dst.Length;
                    if ((long)n * Size > data.Length) throw new CorruptDataException("BYTE_STREAM_SPLIT page is truncated");
                    // streams are (data.Length / Size) long; the page may hold exactly n values per stream
                    int stream = data.Length / Size;
                    if (stream < n) throw new CorruptDataException("BYTE_STREAM_SPLIT page is truncated");
                    var bytes = MemoryMarshal.AsBytes(dst);
                    for (int k = 0; k < Size; k++)
                    {
                        var s = data.Slice(k * stream, n);
                        for (int i = 0; i < n; i++) bytes[i * Size + k] = s[i];
                    }
                    return;
                }
            default: throw Unsupported(enc, typeof(T).Name);
        }
    }

    public override T[] DecodeDictionary(ReadOnlySpan<byte> data, int arenaOffset, int count)
    {
        if ((long)count * Size > data.Length) throw new CorruptDataException($"dictionary page holds {data.Length} bytes, {count} entries need {(long)count * Size}");
        return MemoryMarshal.Cast<byte, T>(data[..(count * Size)]).ToArray();
    }
}

internal sealed class BooleanDecoder : ValueDecoder<bool>
{
    public override void Decode(Enc enc, ReadOnlySpan<byte> data, int arenaOffset, Span<bool> dst, bool[]? dict, Arena? arena)
    {
        switch (enc)
        {
            case Enc.Plain:
                if (((long)dst.Length + 7) / 8 > data.Length) throw new CorruptDataException("PLAIN boolean page is truncated");
                for (int i = 0; i < dst.Length; i++) dst[i] = (data[i >> 3] >> (i & 7) & 1) != 0;
                return;
            case Enc.Rle:
                {
                    if (data.Length < 4) throw new CorruptDataException("RLE boolean page is truncated");
                    int len = BinaryPrimitives.ReadInt32LittleEndian(data);
                    if (len < 0 || len > data.Length - 4) throw new CorruptDataException($"RLE boolean length {len} is out of range");
                    var tmp = ArrayPool<int>.Shared.Rent(dst.Length);
                    try
                    {
                        RleHybrid.Decode(data.Slice(4, len), 1, tmp.AsSpan(0, dst.Length));
                        for (int i = 0; i < dst.Length; i++) dst[i] = tmp[i] != 0;
                    }
                    finally { ArrayPool<int>.Shared.Return(tmp); }
                    return;
                }
            case Enc.PlainDictionary or Enc.RleDictionary:
                FromDictionary(data, dst, dict);
                return;
            default: throw Unsupported(enc, "BOOLEAN");
        }
    }

    public override bool[] DecodeDictionary(ReadOnlySpan<byte> data, int arenaOffset, int count)
    {
        if (((long)count + 7) / 8 > data.Length) throw new CorruptDataException("boolean dictionary page is truncated");
        var r = new bool[count];
        for (int i = 0; i < count; i++) r[i] = (data[i >> 3] >> (i & 7) & 1) != 0;
        return r;
    }
}

/// <summary>BYTE_ARRAY and FIXED_LEN_BYTE_ARRAY: values become slices of the arena.</summary>
internal sealed class BinaryDecoder(int fixedWidth) : ValueDecoder<Slice>
{
    public override void Decode(Enc enc, ReadOnlySpan<byte> data, int arenaOffset, Span<Slice> dst, Slice[]? dict, Arena? arena)
    {
        switch (enc)
        {
            case Enc.Plain:
                Plain(data, arenaOffset, dst);
                return;
            case Enc.PlainDictionary or Enc.RleDictionary:
                FromDictionary(data, dst, dict);
                return;
            case Enc.DeltaLengthByteArray:
                DeltaLength(data, arenaOffset, dst);
                return;
            case Enc.DeltaByteArray:
                DeltaByteArray(data, arenaOffset, dst, arena!);
                return;
            default: throw Unsupported(enc, fixedWidth > 0 ? "FIXED_LEN_BYTE_ARRAY" : "BYTE_ARRAY");
        }
    }

    public override Slice[] DecodeDictionary(ReadOnlySpan<byte> data, int arenaOffset, int count)
    {
        if (fixedWidth == 0 && (long)count * 4 > data.Length || fixedWidth > 0 && (long)count * fixedWidth > data.Length)
            throw new CorruptDataException($"dictionary page of {data.Length} bytes cannot hold {count} entries");
        var r = new Slice[count];
        Plain(data, arenaOffset, r);
        return r;
    }

    void Plain(ReadOnlySpan<byte> data, int arenaOffset, Span<Slice> dst)
    {
        if (fixedWidth > 0)
        {
            if ((long)dst.Length * fixedWidth > data.Length) throw new CorruptDataException("PLAIN fixed-length page is truncated");
            for (int i = 0; i < dst.Length; i++) dst[i] = new Slice(arenaOffset + i * fixedWidth, fixedWidth);
            return;
        }
        int pos = 0;
        for (int i = 0; i < dst.Length; i++)
        {
            if (data.Length - pos < 4) throw new CorruptDataException($"PLAIN byte array {i} of {dst.Length} is truncated", pos);
            int len = BinaryPrimitives.ReadInt32LittleEndian(data[pos..]);
            pos += 4;
            if ((uint)len > (uint)(data.Length - pos)) throw new CorruptDataException($"PLAIN byte array length {len} exceeds the {data.Length - pos} bytes left", pos - 4);
            dst[i] = new Slice(arenaOffset + pos, len);
            pos += len;
        }
    }

    static long[] Lengths(ReadOnlySpan<byte> data, int n, out int end)
    {
        var lens = new long[n];
        (_, end) = Delta.DecodeInt64(data, lens);
        return lens;
    }

    static void DeltaLength(ReadOnlySpan<byte> data, int arenaOffset, Span<Slice> dst)
    {
        var lens = Lengths(data, dst.Length, out int pos);
        for (int i = 0; i < dst.Length; i++)
        {
            long len = lens[i];
            if (len < 0 || len > data.Length - pos) throw new CorruptDataException($"DELTA_LENGTH_BYTE_ARRAY length {len} exceeds the page", pos);
            dst[i] = new Slice(arenaOffset + pos, (int)len);
            pos += (int)len;
        }
    }

    /// <summary>Prefix-compressed values are rebuilt at the end of the arena.</summary>
    static void DeltaByteArray(ReadOnlySpan<byte> data, int arenaOffset, Span<Slice> dst, Arena arena)
    {
        int n = dst.Length;
        var prefix = Lengths(data, n, out int pos);
        var suffixData = data[pos..];
        var suffixes = new Slice[n];
        DeltaLength(suffixData, arenaOffset + pos, suffixes);
        long total = 0;
        for (int i = 0; i < n; i++)
        {
            if (prefix[i] < 0 || prefix[i] > int.MaxValue) throw new CorruptDataException($"DELTA_BYTE_ARRAY prefix {prefix[i]} is out of range");
            total += prefix[i] + suffixes[i].Length;
        }
        if (total > int.MaxValue) throw new CorruptDataException("DELTA_BYTE_ARRAY values exceed 2 GB");
        int at = arena.Reserve((int)total);
        int prevStart = 0, prevLen = 0;
        for (int i = 0; i < n; i++)
        {
            long p = prefix[i];
            if (p < 0 || p > prevLen) throw new CorruptDataException($"DELTA_BYTE_ARRAY prefix {p} is longer than the previous value ({prevLen} bytes)");
            var buf = arena.Buffer; // stable: reserved above
            Array.Copy(buf, prevStart, buf, at, p);
            Array.Copy(buf, suffixes[i].Start, buf, at + p, suffixes[i].Length);
            int len = (int)p + suffixes[i].Length;
            dst[i] = new Slice(at, len);
            prevStart = at; prevLen = len;
            at += len;
        }
    }
}
