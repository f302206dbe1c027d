namespace XRayHpc.Data.Decoders;

/// <summary>CRC-32 (ISO-HDLC, as PNG chunks use it) over a chunk's type and body, by System.IO.Hashing
/// (the same implementation the Parquet page checksums use).</summary>
internal static class Crc32
{
    public static uint Compute(ReadOnlySpan<byte> a, ReadOnlySpan<byte> b = default)
    {
        var crc = new System.IO.Hashing.Crc32();
        crc.Append(a);
        crc.Append(b);
        return crc.GetCurrentHashAsUInt32();
    }
}
