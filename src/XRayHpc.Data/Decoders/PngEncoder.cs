using System.Buffers.Binary;
using System.IO.Compression;

namespace XRayHpc.Data.Decoders;

/// <summary>Managed PNG encoder for 8- or 16-bit grayscale (synth, tests) and 8-bit RGB (heat maps). Up filter,
/// deterministic output; zlib from System.IO.Compression, chunk CRCs from <see cref="Crc32"/>.</summary>
public static class PngEncoder
{
    public static byte[] EncodeGray8(ReadOnlySpan<byte> pixels, int width, int height) =>
        Encode(pixels, width, height, 8, width);

    /// <summary>8-bit RGB, <paramref name="rgb"/> = width·height·3 bytes, row-major, R G B per pixel.</summary>
    public static byte[] EncodeRgb8(ReadOnlySpan<byte> rgb, int width, int height) =>
        Encode(rgb, width, height, 8, checked(width * 3), colorType: 2);

    /// <summary>16-bit gray, samples given big-endian-agnostic as ushort values.</summary>
    public static byte[] EncodeGray16(ReadOnlySpan<ushort> pixels, int width, int height)
    {
        var bytes = new byte[pixels.Length * 2];
        for (int i = 0; i < pixels.Length; i++) BinaryPrimitives.WriteUInt16BigEndian(bytes.AsSpan(i * 2), pixels[i]);
        return Encode(bytes, width, height, 16, width * 2);
    }

    private static byte[] Encode(ReadOnlySpan<byte> data, int width, int height, int depth, int stride, byte colorType = 0)
    {
        if (width < 1 || height < 1) throw new ArgumentException($"invalid PNG size {width}x{height}");
        if (data.Length != (long)stride * height) throw new ArgumentException("pixel count does not match size");
        var filtered = new byte[(stride + 1) * height];
        for (int y = 0; y < height; y++)
        {
            int o = y * (stride + 1);
            filtered[o] = (byte)(y == 0 ? 0 : 2); // Up: X-ray rows are similar, so it compresses well
            for (int i = 0; i < stride; i++)
                filtered[o + 1 + i] = (byte)(data[y * stride + i] - (y == 0 ? 0 : data[(y - 1) * stride + i]));
        }
        var z = new MemoryStream();
        using (var zs = new ZLibStream(z, CompressionLevel.Fastest, leaveOpen: true)) zs.Write(filtered);

        var png = new MemoryStream();
        png.Write(PngDecoder.Signature);
        var ihdr = new byte[13];
        BinaryPrimitives.WriteUInt32BigEndian(ihdr, (uint)width);
        BinaryPrimitives.WriteUInt32BigEndian(ihdr.AsSpan(4), (uint)height);
        ihdr[8] = (byte)depth;
        ihdr[9] = colorType; // 0 gray, 2 RGB; compression/filter/interlace 0
        WriteChunk(png, "IHDR", ihdr);
        WriteChunk(png, "IDAT", z.ToArray());
        WriteChunk(png, "IEND", []);
        return png.ToArray();
    }

    private static void WriteChunk(Stream s, string type, ReadOnlySpan<byte> body)
    {
        Span<byte> b4 = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(b4, (uint)body.Length);
        s.Write(b4);
        var t = System.Text.Encoding.ASCII.GetBytes(type);
        s.Write(t);
        s.Write(body);
        BinaryPrimitives.WriteUInt32BigEndian(b4, Crc32.Compute(t, body));
        s.Write(b4);
    }
}
