using System.Runtime.InteropServices;

namespace XRayHpc.Parquet.Compression;

/// <summary>libzstd one-shot API through P/Invoke (the Debian libzstd1 package ships libzstd.so.1).</summary>
internal static unsafe partial class Zstd
{
    const string Lib = "libzstd.so.1";
    const ulong ContentSizeUnknown = ulong.MaxValue;     // ZSTD_CONTENTSIZE_UNKNOWN (0ULL - 1)
    const ulong ContentSizeError = ulong.MaxValue - 1;   // ZSTD_CONTENTSIZE_ERROR (0ULL - 2)

    [LibraryImport(Lib)] private static partial nuint ZSTD_compress(byte* dst, nuint dstCapacity, byte* src, nuint srcSize, int level);
    [LibraryImport(Lib)] private static partial nuint ZSTD_decompress(byte* dst, nuint dstCapacity, byte* src, nuint srcSize);
    [LibraryImport(Lib)] private static partial ulong ZSTD_getFrameContentSize(byte* src, nuint srcSize);
    [LibraryImport(Lib)] private static partial nuint ZSTD_compressBound(nuint srcSize);
    [LibraryImport(Lib)] private static partial uint ZSTD_isError(nuint code);

    public static int CompressBound(int n) => (int)ZSTD_compressBound((nuint)n);

    public static int Compress(ReadOnlySpan<byte> src, Span<byte> dst, int level)
    {
        fixed (byte* s = src) fixed (byte* d = dst)
        {
            nuint r = ZSTD_compress(d, (nuint)dst.Length, s, (nuint)src.Length, level);
            if (ZSTD_isError(r) != 0) throw new InvalidOperationException($"zstd compression failed (code {(long)r})");
            return (int)r;
        }
    }

    /// <summary>Decompresses exactly dst.Length bytes; the frame's own size claim must agree before we write.</summary>
    public static void Decompress(ReadOnlySpan<byte> src, Span<byte> dst)
    {
        fixed (byte* s = src) fixed (byte* d = dst)
        {
            ulong claimed = ZSTD_getFrameContentSize(s, (nuint)src.Length);
            if (claimed == ContentSizeError) throw new CorruptDataException("zstd frame header is corrupt");
            if (claimed != ContentSizeUnknown && claimed != (ulong)dst.Length)
                throw new CorruptDataException($"decompressed size mismatch: zstd frame holds {claimed} bytes, page header says {dst.Length}");
            nuint r = ZSTD_decompress(d, (nuint)dst.Length, s, (nuint)src.Length);
            if (ZSTD_isError(r) != 0) throw new CorruptDataException($"zstd data is corrupt (or larger than the {dst.Length} bytes the page header claims)");
            if (r != (nuint)dst.Length)
                throw new CorruptDataException($"decompressed size mismatch: zstd produced {r} bytes, page header says {dst.Length}");
        }
    }
}
