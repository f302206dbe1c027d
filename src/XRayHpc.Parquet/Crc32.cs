using System.Runtime.InteropServices;

namespace XRayHpc.Parquet;

/// <summary>
/// CRC-32 as the Parquet format specifies for PageHeader.crc: the gzip/zlib polynomial 0x04C11DB7 (reflected
/// 0xEDB88320), initial value and final xor 0xFFFFFFFF. The .NET shared framework has no public CRC-32
/// (System.IO.Hashing is a separate package), but its compression library (zlib-ng, shipped with every runtime)
/// exports one that uses carry-less multiplication where the CPU has it, which keeps page verification cheap
/// next to reading; where that export is missing a table-driven version computes the same value.
/// </summary>
public static partial class Crc32
{
    const string NativeLib = "libSystem.IO.Compression.Native";
    static readonly bool NativeAvailable = ProbeNative();
    static readonly uint[] Table = MakeTable();

    public static uint Compute(ReadOnlySpan<byte> data) => NativeAvailable ? ComputeNative(data) : ComputeManaged(data);

    /// <summary>The byte-at-a-time reference (tests compare the native path with it).</summary>
    public static uint ComputeManaged(ReadOnlySpan<byte> data)
    {
        uint crc = 0xFFFFFFFFu;
        foreach (var b in data) crc = Table[(crc ^ b) & 0xFF] ^ (crc >> 8);
        return ~crc;
    }

    public static bool UsesNative => NativeAvailable;

    static unsafe uint ComputeNative(ReadOnlySpan<byte> data)
    {
        uint crc = 0;
        fixed (byte* p = data)
        {
            // zlib's crc32 takes an int length: feed spans over 1 GiB in pieces.
            for (int off = 0; off < data.Length;)
            {
                int n = Math.Min(data.Length - off, 1 << 30);
                crc = CompressionNative_Crc32(crc, p + off, n);
                off += n;
            }
        }
        return crc;
    }

    [LibraryImport(NativeLib)]
    private static unsafe partial uint CompressionNative_Crc32(uint crc, byte* buffer, int len);

    static unsafe bool ProbeNative()
    {
        try
        {
            ReadOnlySpan<byte> probe = "123456789"u8; // the standard check value of CRC-32/ISO-HDLC is 0xCBF43926
            fixed (byte* p = probe) return CompressionNative_Crc32(0, p, probe.Length) == 0xCBF43926u;
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException) { return false; }
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
