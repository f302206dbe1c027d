namespace XRayHpc.Data.Decoders;

/// <summary>CRC-32 (ISO-HDLC, as PNG chunks use it) over a chunk's type and body: the one implementation the
/// Parquet page checksums use (<see cref="XRayHpc.Parquet.Crc32"/>), which is the same polynomial.</summary>
internal static class Crc32
{
    public static uint Compute(ReadOnlySpan<byte> a, ReadOnlySpan<byte> b = default) =>
        XRayHpc.Parquet.Crc32.Append(XRayHpc.Parquet.Crc32.Compute(a), b);
}
