using System.Buffers.Binary;
using System.IO.Compression;

namespace XRayHpc.Data.Decoders;

/// <summary>Samples as stored in a PNG (palette expanded), before the conversion to 8-bit gray.</summary>
public sealed record PngSamples(int Width, int Height, int Channels, int BitDepth, ushort[] Samples);

/// <summary>
/// Managed PNG decoder over ZLibStream: bit depths 1–16, gray, gray+alpha, RGB, RGBA, palette, all five
/// filters, chunk CRCs checked. 16-bit samples become 8-bit by &gt;&gt;8 with no gamma conversion (libpng
/// would apply gAMA, which changes the pixel values a 16-bit X-ray stores). Adam7 interlace is rejected.
/// </summary>
public static class PngDecoder
{
    public static ReadOnlySpan<byte> Signature => [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A];

    public static GrayImage Decode(byte[] data, string name)
    {
        var png = Inflate(data, name);
        if (png.ColorType == 0 && png.Depth is 8 or 16)
        {
            // Fast path for the X-ray case (8- or 16-bit gray): straight from the unfiltered rows.
            var pixels = new byte[png.Width * png.Height];
            int bytes = png.Depth / 8;
            for (int y = 0; y < png.Height; y++)
            {
                var row = png.Raw.AsSpan(y * (png.Stride + 1) + 1, png.Stride);
                var dst = pixels.AsSpan(y * png.Width, png.Width);
                if (bytes == 1) row.CopyTo(dst);
                else for (int x = 0; x < png.Width; x++) dst[x] = row[2 * x]; // big-endian high byte = value >> 8
            }
            return new GrayImage(png.Width, png.Height, pixels);
        }
        var s = Expand(png, name);
        var gray = new byte[s.Width * s.Height];
        int shift = s.BitDepth == 16 ? 8 : 0;
        int ch = s.Channels;
        var v = s.Samples;
        for (int i = 0; i < gray.Length; i++)
        {
            int o = i * ch;
            gray[i] = ch >= 3
                ? Luma(v[o] >> shift, v[o + 1] >> shift, v[o + 2] >> shift)
                : (byte)(v[o] >> shift);
        }
        return new GrayImage(s.Width, s.Height, gray);
    }

    /// <summary>ITU-R BT.601 luma, rounded (the same weights libjpeg uses for its gray output).</summary>
    public static byte Luma(int r, int g, int b) => (byte)((19595 * r + 38470 * g + 7471 * b + 32768) >> 16);

    /// <summary>Decodes to raw samples (channels interleaved; palette expanded to RGB(A); 1/2/4-bit gray
    /// scaled to 8 bits) — exposed for tests that compare against ImageMagick's raw output.</summary>
    public static PngSamples DecodeSamples(byte[] data, string name) => Expand(Inflate(data, name), name);

    private sealed record Inflated(int Width, int Height, int ColorType, int Depth, int Channels, int Stride, byte[] Raw, byte[]? Palette, byte[]? PaletteAlpha);

    /// <summary>Chunks → CRC-checked, inflated, unfiltered scanlines.</summary>
    private static Inflated Inflate(byte[] data, string name)
    {
        if (data.Length < 8 || !data.AsSpan(0, 8).SequenceEqual(Signature))
            throw new DataFormatException(name, null, "not a PNG file (bad signature)");
        int pos = 8;
        int width = 0, height = 0, depth = 0, colorType = -1;
        byte[]? palette = null, paletteAlpha = null;
        var idat = new MemoryStream();
        bool sawEnd = false;
        while (!sawEnd)
        {
            if (pos + 12 > data.Length) throw new DataFormatException(name, null, "corrupt PNG: truncated (no IEND chunk)");
            uint len = BinaryPrimitives.ReadUInt32BigEndian(data.AsSpan(pos));
            if (len > int.MaxValue || pos + 12 + (long)len > data.Length)
                throw new DataFormatException(name, null, $"corrupt PNG: chunk at byte {pos} runs past the end of the file");
            var type = data.AsSpan(pos + 4, 4);
            var body = data.AsSpan(pos + 8, (int)len);
            uint crc = BinaryPrimitives.ReadUInt32BigEndian(data.AsSpan(pos + 8 + (int)len));
            string typeName = System.Text.Encoding.ASCII.GetString(type);
            if (Crc32.Compute(type, body) != crc)
                throw new DataFormatException(name, null, $"corrupt PNG: CRC mismatch in {typeName} chunk at byte {pos}");
            switch (typeName)
            {
                case "IHDR":
                    if (len != 13) throw new DataFormatException(name, null, "corrupt PNG: IHDR length");
                    width = (int)BinaryPrimitives.ReadUInt32BigEndian(body);
                    height = (int)BinaryPrimitives.ReadUInt32BigEndian(body[4..]);
                    depth = body[8];
                    colorType = body[9];
                    if (body[10] != 0 || body[11] != 0) throw new DataFormatException(name, null, "corrupt PNG: unknown compression or filter method");
                    if (body[12] != 0) throw new DataFormatException(name, null, "unsupported PNG: Adam7 interlaced images are not supported (re-save without interlace)");
                    break;
                case "PLTE": palette = body.ToArray(); break;
                case "tRNS": paletteAlpha = body.ToArray(); break;
                case "IDAT": idat.Write(body); break;
                case "IEND": sawEnd = true; break;
                default:
                    // Unknown critical chunks (upper-case first letter) change how the image must be read.
                    if ((type[0] & 0x20) == 0) throw new DataFormatException(name, null, $"unsupported PNG: critical chunk {typeName}");
                    break;
            }
            pos += 12 + (int)len;
        }
        if (width <= 0 || height <= 0 || (long)width * height > 1L << 28)
            throw new DataFormatException(name, null, $"corrupt PNG: missing IHDR or implausible size {width}x{height}");
        int channels = colorType switch { 0 => 1, 2 => 3, 3 => 1, 4 => 2, 6 => 4, _ => -1 };
        bool depthOk = colorType switch
        {
            0 => depth is 1 or 2 or 4 or 8 or 16,
            3 => depth is 1 or 2 or 4 or 8,
            2 or 4 or 6 => depth is 8 or 16,
            _ => false,
        };
        if (channels < 0 || !depthOk) throw new DataFormatException(name, null, $"corrupt PNG: color type {colorType} with bit depth {depth}");
        if (colorType == 3 && palette is null) throw new DataFormatException(name, null, "corrupt PNG: palette image without PLTE");

        int bitsPerPixel = channels * depth;
        int bpp = Math.Max(1, bitsPerPixel / 8);
        int stride = (int)(((long)width * bitsPerPixel + 7) / 8);
        long rawSize = (long)(stride + 1) * height;
        // Deflate cannot expand more than ~1032:1; a header promising more than that is lying (and would
        // otherwise make us allocate gigabytes for a few bytes of input).
        if (rawSize > idat.Length * 1100L + (1 << 16) || rawSize > int.MaxValue / 2)
            throw new DataFormatException(name, null, $"corrupt PNG: {width}x{height} image from only {idat.Length} compressed bytes");
        var raw = new byte[rawSize];
        idat.Position = 0;
        using (var z = new ZLibStream(idat, CompressionMode.Decompress))
        {
            int got = 0;
            while (got < raw.Length)
            {
                int n = z.Read(raw, got, raw.Length - got);
                if (n == 0) throw new DataFormatException(name, null, $"corrupt PNG: image data ends after {got} of {raw.Length} bytes");
                got += n;
            }
        }
        Unfilter(raw, stride, height, bpp, name);
        return new Inflated(width, height, colorType, depth, channels, stride, raw, palette, paletteAlpha);
    }

    private static PngSamples Expand(Inflated png, string name)
    {
        var (width, height, colorType, depth, channels, stride, raw, palette, paletteAlpha) =
            (png.Width, png.Height, png.ColorType, png.Depth, png.Channels, png.Stride, png.Raw, png.Palette, png.PaletteAlpha);
        int outChannels = colorType == 3 ? (paletteAlpha is null ? 3 : 4) : channels;
        var samples = new ushort[(long)width * height * outChannels];
        for (int y = 0; y < height; y++)
        {
            var row = raw.AsSpan(y * (stride + 1) + 1, stride);
            for (int x = 0; x < width; x++)
            {
                long o = ((long)y * width + x) * outChannels;
                if (colorType == 3)
                {
                    int idx = SubByte(row, x, depth);
                    if (idx * 3 + 2 >= palette!.Length) throw new DataFormatException(name, null, $"corrupt PNG: palette index {idx} out of range");
                    samples[o] = palette[idx * 3];
                    samples[o + 1] = palette[idx * 3 + 1];
                    samples[o + 2] = palette[idx * 3 + 2];
                    if (outChannels == 4) samples[o + 3] = idx < paletteAlpha!.Length ? paletteAlpha[idx] : (ushort)255;
                }
                else if (depth < 8)
                {
                    samples[o] = (ushort)(SubByte(row, x, depth) * 255 / ((1 << depth) - 1));
                }
                else if (depth == 8)
                {
                    for (int c = 0; c < channels; c++) samples[o + c] = row[x * channels + c];
                }
                else
                {
                    for (int c = 0; c < channels; c++) samples[o + c] = BinaryPrimitives.ReadUInt16BigEndian(row[((x * channels + c) * 2)..]);
                }
            }
        }
        return new PngSamples(width, height, outChannels, colorType == 3 || depth < 8 ? 8 : depth, samples);
    }

    private static int SubByte(ReadOnlySpan<byte> row, int x, int depth)
    {
        int bit = x * depth;
        return (row[bit >> 3] >> (8 - depth - (bit & 7))) & ((1 << depth) - 1);
    }

    private static void Unfilter(byte[] raw, int stride, int height, int bpp, string name)
    {
        for (int y = 0; y < height; y++)
        {
            int start = y * (stride + 1);
            int filter = raw[start];
            var cur = raw.AsSpan(start + 1, stride);
            var prev = y > 0 ? raw.AsSpan(start - stride, stride) : default;
            switch (filter)
            {
                case 0: break;
                case 1: for (int i = bpp; i < stride; i++) cur[i] += cur[i - bpp]; break;
                case 2: if (y > 0) for (int i = 0; i < stride; i++) cur[i] += prev[i]; break;
                case 3:
                    for (int i = 0; i < stride; i++)
                    {
                        int a = i >= bpp ? cur[i - bpp] : 0, b = y > 0 ? prev[i] : 0;
                        cur[i] += (byte)((a + b) >> 1);
                    }
                    break;
                case 4:
                    for (int i = 0; i < stride; i++)
                    {
                        int a = i >= bpp ? cur[i - bpp] : 0, b = y > 0 ? prev[i] : 0, c = i >= bpp && y > 0 ? prev[i - bpp] : 0;
                        cur[i] += (byte)Paeth(a, b, c);
                    }
                    break;
                default: throw new DataFormatException(name, null, $"corrupt PNG: unknown filter type {filter} on row {y}");
            }
        }
    }

    private static int Paeth(int a, int b, int c)
    {
        int p = a + b - c, pa = Math.Abs(p - a), pb = Math.Abs(p - b), pc = Math.Abs(p - c);
        return pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
    }
}
