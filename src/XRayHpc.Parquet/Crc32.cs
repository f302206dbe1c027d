namespace XRayHpc.Parquet;

/// <summary>
/// CRC-32 as the Parquet format specifies for PageHeader.crc (and PNG for its chunks): the gzip/zlib
/// polynomial 0x04C11DB7 (reflected 0xEDB88320), initial value and final xor 0xFFFFFFFF. Computed by
/// Microsoft's System.IO.Hashing (vectorised with carry-less multiplication where the CPU has it), so page
/// verification stays cheap next to reading; <see cref="ComputeManaged"/> is the byte-at-a-time definition
/// the tests hold it to.
/// </summary>
public static class Crc32
{
    static readonly uint[] Table = MakeTable();

    public static uint Compute(ReadOnlySpan<byte> data) => System.IO.Hashing.Crc32.HashToUInt32(data);

    /// <summary>The byte-at-a-time reference (tests compare the fast path with it).</summary>
    public static uint ComputeManaged(ReadOnlySpan<byte> data)
    {
        uint crc = 0xFFFFFFFFu;
        foreach (var b in data) crc = Table[(crc ^ b) & 0xFF] ^ (crc >> 8);
        return ~crc;
    }

    static uint[] MakeTable()
    {
        var t = new uint[256];
        for (uint i = 0; i < 256; i++)
        {
            uint c = i;
            for (int k = 0; k < 8; k++) c = (c & 1) != 0 ? 0xEDB88320u ^ (c >> 1) : c >> 1;
            t[i] = c;
        }
        return t;
    }
}
