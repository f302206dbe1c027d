using System.Buffers.Binary;

namespace XRayHpc.Data.Dicom;

/// <summary>DICOM RLE Lossless (PS3.5 Annex G): a 64-byte header of segment offsets, one PackBits segment
/// per byte plane (most significant byte first for 16-bit samples).</summary>
internal static class RleCodec
{
    public static int[] Decode(byte[] frame, int pixels, int spp, int bitsAllocated, string name)
    {
        if (frame.Length < 64) throw new DataFormatException(name, null, "corrupt DICOM RLE: frame shorter than its header");
        int bytesPerSample = bitsAllocated / 8;
        int segments = (int)BinaryPrimitives.ReadUInt32LittleEndian(frame);
        if (segments != spp * bytesPerSample)
            throw new DataFormatException(name, null, $"corrupt DICOM RLE: {segments} segments, expected {spp * bytesPerSample}");
        var values = new int[pixels * spp];
        var plane = new byte[pixels];
        for (int s = 0; s < segments; s++)
        {
            int start = (int)BinaryPrimitives.ReadUInt32LittleEndian(frame.AsSpan(4 + 4 * s));
            int end = s + 1 < segments ? (int)BinaryPrimitives.ReadUInt32LittleEndian(frame.AsSpan(8 + 4 * s)) : frame.Length;
            if (start < 64 || end > frame.Length || end < start)
                throw new DataFormatException(name, null, $"corrupt DICOM RLE: segment {s} offsets {start}..{end}");
            UnpackBits(frame.AsSpan(start, end - start), plane, name);
            int sample = s / bytesPerSample, byteIndex = s % bytesPerSample; // byte 0 is the most significant
            int shift = 8 * (bytesPerSample - 1 - byteIndex);
            for (int i = 0; i < pixels; i++) values[i * spp + sample] |= plane[i] << shift;
        }
        return values;
    }

    private static void UnpackBits(ReadOnlySpan<byte> src, byte[] dst, string name)
    {
        int i = 0, o = 0;
        while (o < dst.Length)
        {
            if (i >= src.Length) throw new DataFormatException(name, null, "corrupt DICOM RLE: segment ends early");
            sbyte n = (sbyte)src[i++];
            if (n >= 0)
            {
                int count = n + 1;
                if (i + count > src.Length || o + count > dst.Length) throw new DataFormatException(name, null, "corrupt DICOM RLE: literal run overflows");
                src.Slice(i, count).CopyTo(dst.AsSpan(o));
                i += count; o += count;
            }
            else if (n != -128)
            {
                int count = 1 - n;
                if (i >= src.Length || o + count > dst.Length) throw new DataFormatException(name, null, "corrupt DICOM RLE: repeat run overflows");
                dst.AsSpan(o, count).Fill(src[i++]);
                o += count;
            }
        }
    }
}
