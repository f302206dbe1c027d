using System.IO.Compression;
using XRayHpc.Parquet.Format;

namespace XRayHpc.Parquet.Compression;

internal static class Codecs
{
    public static CodecId ToId(ParquetCodec c) => c switch
    {
        ParquetCodec.Uncompressed => CodecId.Uncompressed,
        ParquetCodec.Snappy => CodecId.Snappy,
        ParquetCodec.Gzip => CodecId.Gzip,
        ParquetCodec.Zstd => CodecId.Zstd,
        ParquetCodec.Brotli => throw new NotSupportedException("Brotli is read-only"),
        _ => throw new ArgumentOutOfRangeException(nameof(c)),
    };

    /// <summary>Most bytes a page of <paramref name="compressed"/> bytes can legitimately expand to, or
    /// null when the codec has no useful bound (its own size check runs before we write).</summary>
    public static long? MaxExpansion(CodecId codec, long compressed) => codec switch
    {
        CodecId.Uncompressed => compressed,
        CodecId.Snappy => compressed * 22 + 64,   // a 3-byte copy tag emits at most 64 bytes
        CodecId.Gzip => compressed * 1032 + 1024, // deflate's maximum ratio
        _ => null,
    };

    /// <summary>Compresses <paramref name="src"/> into <paramref name="dst"/> (grown as needed); returns the length.</summary>
    public static int Compress(CodecId codec, ReadOnlySpan<byte> src, ref byte[] dst, int level)
    {
        switch (codec)
        {
            case CodecId.Snappy:
                {
                    var enc = IronSnappy.Snappy.Encode(src);
                    EnsureCapacity(ref dst, enc.Length);
                    enc.CopyTo(dst, 0);
                    return enc.Length;
                }
            case CodecId.Zstd:
                EnsureCapacity(ref dst, Zstd.CompressBound(src.Length));
                return Zstd.Compress(src, dst, Math.Clamp(level, 1, 22));
            case CodecId.Gzip:
                {
                    var ms = new MemoryStream(Math.Max(64, src.Length / 2));
                    using (var gz = new GZipStream(ms, CompressionLevel.Optimal, leaveOpen: true)) gz.Write(src);
                    int n = (int)ms.Length;
                    EnsureCapacity(ref dst, n);
                    ms.GetBuffer().AsSpan(0, n).CopyTo(dst);
                    return n;
                }
            default: throw new NotSupportedException($"cannot write codec {codec}");
        }
    }

    static void EnsureCapacity(ref byte[] buf, int n)
    {
        if (buf.Length < n) buf = new byte[Math.Max(n, buf.Length * 2)];
    }

    /// <summary>Decompresses into exactly dst.Length bytes or throws CorruptDataException.</summary>
    public static void Decompress(CodecId codec, ReadOnlySpan<byte> src, Span<byte> dst)
    {
        switch (codec)
        {
            case CodecId.Uncompressed:
                if (src.Length != dst.Length) throw new CorruptDataException($"decompressed size mismatch: uncompressed page has {src.Length} bytes, header says {dst.Length}");
                src.CopyTo(dst);
                return;
            case CodecId.Snappy:
                {
                    // IronSnappy allocates what the block's length preamble says: check it before trusting it.
                    long claimed = SnappyLength(src);
                    if (claimed != dst.Length) throw new CorruptDataException($"decompressed size mismatch: snappy block holds {claimed} bytes, page header says {dst.Length}");
                    byte[] r;
                    try { r = IronSnappy.Snappy.Decode(src); }
                    catch (Exception e) when (e is not OutOfMemoryException) { throw new CorruptDataException($"snappy data is corrupt: {e.Message}"); }
                    if (r.Length != dst.Length) throw new CorruptDataException($"decompressed size mismatch: snappy produced {r.Length} bytes, page header says {dst.Length}");
                    r.CopyTo(dst);
                    return;
                }
            case CodecId.Zstd:
                Zstd.Decompress(src, dst);
                return;
            case CodecId.Gzip:
                unsafe
                {
                    fixed (byte* p = src)
                    {
                        using var ms = new UnmanagedMemoryStream(p, src.Length);
                        using var gz = new GZipStream(ms, CompressionMode.Decompress);
                        ReadExactly(gz, dst, "gzip");
                    }
                }
                return;
            case CodecId.Brotli:
                {
                    if (!BrotliDecoder.TryDecompress(src, dst, out int written) || written != dst.Length)
                        throw new CorruptDataException($"brotli data is corrupt or its size differs from the {dst.Length} bytes the page header says");
                    return;
                }
            default:
                throw new CorruptDataException($"unsupported compression codec {codec} ({(int)codec})");
        }
    }

    static void ReadExactly(Stream s, Span<byte> dst, string name)
    {
        int got = 0;
        try
        {
            while (got < dst.Length)
            {
                int n = s.Read(dst[got..]);
                if (n == 0) throw new CorruptDataException($"decompressed size mismatch: {name} produced {got} bytes, page header says {dst.Length}");
                got += n;
            }
            Span<byte> one = stackalloc byte[1];
            if (s.Read(one) != 0) throw new CorruptDataException($"decompressed size mismatch: {name} data is longer than the {dst.Length} bytes the page header says");
        }
        catch (InvalidDataException e) { throw new CorruptDataException($"{name} data is corrupt: {e.Message}"); }
    }

    static long SnappyLength(ReadOnlySpan<byte> src)
    {
        long v = 0;
        for (int i = 0, shift = 0; i < src.Length && shift < 35; i++, shift += 7)
        {
            v |= (long)(src[i] & 0x7F) << shift;
            if ((src[i] & 0x80) == 0) return v;
        }
        throw new CorruptDataException("snappy block length preamble is corrupt");
    }
}
