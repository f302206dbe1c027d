using System.Buffers.Binary;
using XRayHpc.Data.Decoders;
using Xunit;

namespace XRayHpc.Data.Tests;

public class DecoderPngTests
{
    /// <summary>Every sample of ImageMagick-made PNGs equals what ImageMagick itself reads back raw.</summary>
    [Theory]
    [InlineData("gray8", "-colorspace Gray -depth 8 -define png:color-type=0", "gray", 8)]
    [InlineData("gray16", "-colorspace Gray -depth 16 -define png:color-type=0", "gray", 16)]
    [InlineData("rgb8", "-depth 8 -define png:color-type=2", "rgb", 8)]
    [InlineData("rgb16", "-depth 16 -define png:color-type=2", "rgb", 16)]
    [InlineData("rgba8", "-depth 8 -alpha set -channel A -evaluate set 60% +channel -define png:color-type=6", "rgba", 8)]
    [InlineData("graya16", "-colorspace Gray -depth 16 -alpha set -channel A -evaluate set 50% +channel -define png:color-type=4", "ia", 16)]
    public void Decoder_Png_SamplesMatchImageMagick(string name, string options, string rawFormat, int depth)
    {
        RefTool.RequireImageMagick();
        using var tmp = new TempDir();
        var png = tmp[name + ".png"];
        var args = new List<string> { "-seed", "7", "-size", "67x45", "plasma:fractal", "-blur", "0x1" };
        args.AddRange(options.Split(' '));
        args.Add(png);
        RefTool.Run(RefTool.Convert, [.. args]);

        var s = PngDecoder.DecodeSamples(File.ReadAllBytes(png), png);
        Assert.Equal((67, 45), (s.Width, s.Height));
        Assert.Equal(depth, s.BitDepth);
        // ImageMagick's raw "ia" is not a format; read gray and alpha separately.
        string fmt = rawFormat == "ia" ? "gray" : rawFormat;
        var raw = RefTool.Run(RefTool.Convert, png, "-depth", depth.ToString(), "-endian", "MSB", fmt + ":-");
        int channels = fmt switch { "gray" => 1, "rgb" => 3, _ => 4 };
        int bytes = depth / 8;
        Assert.Equal(s.Width * s.Height * channels * bytes, raw.Length);
        for (int i = 0; i < s.Width * s.Height; i++)
            for (int c = 0; c < channels; c++)
            {
                int o = (i * channels + c) * bytes;
                int expected = bytes == 1 ? raw[o] : BinaryPrimitives.ReadUInt16BigEndian(raw.AsSpan(o));
                Assert.True(expected == s.Samples[i * s.Channels + c], $"{name}: pixel {i} channel {c}: ImageMagick {expected}, ours {s.Samples[i * s.Channels + c]}");
            }

        // The 8-bit gray image is the 16-bit value >> 8 (no gamma), or luma for colour.
        var gray = ImageDecoder.Decode(png);
        for (int i = 0; i < gray.Pixels.Length; i += 97)
        {
            int o = i * s.Channels;
            int shift = depth == 16 ? 8 : 0;
            int want = s.Channels >= 3 ? PngDecoder.Luma(s.Samples[o] >> shift, s.Samples[o + 1] >> shift, s.Samples[o + 2] >> shift) : s.Samples[o] >> shift;
            Assert.Equal(want, gray.Pixels[i]);
        }
    }

    [Fact]
    public void Decoder_Png_PaletteAndAllFilters_MatchImageMagick()
    {
        RefTool.RequireImageMagick();
        using var tmp = new TempDir();
        foreach (var (file, extra) in new[] { ("pal.png", new[] { "-colors", "40", "PNG8:" }), ("adaptive.png", new[] { "-colorspace", "Gray", "-depth", "8", "-quality", "95", "" }) })
        {
            var path = tmp[file];
            RefTool.Run(RefTool.Convert, ["-seed", "3", "-size", "50x33", "plasma:fractal", .. extra[..^1], extra[^1] + path]);
            var gray = ImageDecoder.Decode(path);
            var reference = RefTool.Run(RefTool.Convert, path, "-depth", "8", "rgb:-");
            for (int i = 0; i < gray.Pixels.Length; i++)
                Assert.Equal(PngDecoder.Luma(reference[3 * i], reference[3 * i + 1], reference[3 * i + 2]), gray.Pixels[i]);
        }
    }

    [Fact]
    public void Decoder_PngEncoder_RoundTripsThroughImageMagick()
    {
        RefTool.RequireImageMagick();
        using var tmp = new TempDir();
        var pixels = new byte[31 * 17];
        for (int i = 0; i < pixels.Length; i++) pixels[i] = (byte)(i * 37 % 251);
        var path = tmp["ours.png"];
        File.WriteAllBytes(path, PngEncoder.EncodeGray8(pixels, 31, 17));
        Assert.Equal(pixels, RefTool.Run(RefTool.Convert, path, "-depth", "8", "gray:-"));
        Assert.Equal(pixels, ImageDecoder.Decode(path).Pixels);
    }

    [Fact]
    public void Decoder_Png_InterlacedIsRejectedClearly()
    {
        RefTool.RequireImageMagick();
        using var tmp = new TempDir();
        var path = tmp["interlaced.png"];
        RefTool.Run(RefTool.Convert, "-size", "20x20", "gradient:", "-interlace", "PNG", path);
        var e = Assert.Throws<DataFormatException>(() => ImageDecoder.Decode(path));
        Assert.Equal(path, e.File);
        Assert.Contains("interlace", e.Message);
    }
}

public class DecoderJpegTests
{
    [Fact]
    public void Decoder_Jpeg_MatchesImageMagick()
    {
        RefTool.RequireImageMagick();
        using var tmp = new TempDir();
        foreach (var (file, color) in new[] { ("gray.jpg", "Gray"), ("color.jpg", "sRGB") })
        {
            var path = tmp[file];
            // Desaturated colour: with saturated colours ImageMagick's RGB clamps, and luma(RGB) is no longer the stored Y.
            RefTool.Run(RefTool.Convert, "-seed", "5", "-size", "96x80", "plasma:fractal", "-modulate", "100,25", "-colorspace", color, "-quality", "90", path);
            var ours = ImageDecoder.Decode(path);
            Assert.Equal((96, 80), (ours.Width, ours.Height));
            if (color == "Gray")
            {
                // Same libjpeg-turbo islow IDCT underneath: identical samples.
                Assert.Equal(RefTool.Run(RefTool.Convert, path, "-depth", "8", "gray:-"), ours.Pixels);
            }
            else
            {
                // TurboJPEG's gray output is the decoded Y plane; ImageMagick's RGB → luma must agree within rounding.
                // Chroma upsampling and RGB rounding in between allow a few levels here and there.
                var rgb = RefTool.Run(RefTool.Convert, path, "-depth", "8", "rgb:-");
                double sum = 0;
                for (int i = 0; i < ours.Pixels.Length; i++)
                {
                    int d = ours.Pixels[i] - PngDecoder.Luma(rgb[3 * i], rgb[3 * i + 1], rgb[3 * i + 2]);
                    Assert.InRange(d, -3, 3);
                    sum += Math.Abs(d);
                }
                Assert.True(sum / ours.Pixels.Length < 1.0, $"mean |difference| {sum / ours.Pixels.Length}");
            }
        }
    }

    [Fact]
    public void Decoder_Jpeg_ScaledDecodeNeverBelowTarget()
    {
        var pixels = new byte[512 * 384];
        for (int y = 0; y < 384; y++) for (int x = 0; x < 512; x++) pixels[y * 512 + x] = (byte)((x ^ y) & 0xFF);
        var jpeg = JpegCodec.EncodeGray(pixels, 512, 384);
        Assert.Equal((512, 384), Size(ImageDecoder.Decode(jpeg, "a.jpg")));
        Assert.Equal((64, 48), Size(ImageDecoder.Decode(jpeg, "a.jpg", 40)));   // 1/8
        Assert.Equal((128, 96), Size(ImageDecoder.Decode(jpeg, "a.jpg", 60)));  // 1/8 would give 48 < 60
        Assert.Equal((256, 192), Size(ImageDecoder.Decode(jpeg, "a.jpg", 150)));
        Assert.Equal((512, 384), Size(ImageDecoder.Decode(jpeg, "a.jpg", 200))); // 1/2 gives 192 < 200
        // A reduced-scale decode is a faithful downsample: close to the box average of the full decode.
        var full = ImageDecoder.Decode(jpeg, "a.jpg");
        var quarter = ImageDecoder.Decode(jpeg, "a.jpg", 60);
        double err = 0;
        for (int y = 0; y < 96; y++) for (int x = 0; x < 128; x++)
        {
            double avg = 0;
            for (int dy = 0; dy < 4; dy++) for (int dx = 0; dx < 4; dx++) avg += full.Pixels[(y * 4 + dy) * 512 + x * 4 + dx];
            err += Math.Abs(avg / 16 - quarter.Pixels[y * 128 + x]);
        }
        Assert.True(err / (96 * 128) < 12, $"mean abs error {err / (96 * 128)}");
    }

    static (int, int) Size(GrayImage g) => (g.Width, g.Height);
}

public class DecoderCorruptTests
{
    public static TheoryData<string> Kinds => new() { "jpeg-truncated", "jpeg-garbage", "png-crc", "png-truncated", "dicom-truncated", "dicom-bad-length", "random", "empty" };

    [Theory]
    [MemberData(nameof(Kinds))]
    public void Decoder_CorruptInput_RaisesDataFormatExceptionNamingFile(string kind)
    {
        using var tmp = new TempDir();
        var pixels = new byte[64 * 64];
        for (int i = 0; i < pixels.Length; i++) pixels[i] = (byte)(i * 7);
        byte[] jpeg = JpegCodec.EncodeGray(pixels, 64, 64), png = PngEncoder.EncodeGray8(pixels, 64, 64);
        byte[] dcm = new Dicom.DicomWriter().Pixels(64, 64, 8, 8, false, pixels).ToBytes();
        byte[] data = kind switch
        {
            "jpeg-truncated" => jpeg[..(jpeg.Length / 2)],
            "jpeg-garbage" => Damage(jpeg, jpeg.Length / 2, 64),
            "png-crc" => Damage(png, png.Length / 2, 1),
            "png-truncated" => png[..(png.Length - 20)],
            "dicom-truncated" => dcm[..(dcm.Length - 100)],
            "dicom-bad-length" => BadDicomLength(dcm),
            "random" => [.. Enumerable.Range(0, 300).Select(i => (byte)(i * 131 % 256))],
            _ => [],
        };
        var path = tmp["bad-" + kind];
        File.WriteAllBytes(path, data);
        var e = Assert.Throws<DataFormatException>(() => ImageDecoder.Decode(path));
        Assert.Equal(path, e.File);
        Assert.StartsWith(path, e.Message);
    }

    static byte[] Damage(byte[] d, int at, int count)
    {
        var c = (byte[])d.Clone();
        for (int i = 0; i < count; i++) c[at + i] ^= 0x5A;
        return c;
    }

    /// <summary>Rows element claims a huge length.</summary>
    static byte[] BadDicomLength(byte[] d)
    {
        var c = (byte[])d.Clone();
        for (int i = 132; i < c.Length - 8; i++)
            if (c[i] == 0x28 && c[i + 1] == 0 && c[i + 2] == 0x10 && c[i + 3] == 0 && c[i + 4] == 'U' && c[i + 5] == 'S')
            {
                c[i + 6] = 0xF0; c[i + 7] = 0xFF;
                return c;
            }
        throw new InvalidOperationException("Rows element not found");
    }

    /// <summary>Random truncations and byte flips of valid files in every format and codec: each decode
    /// either succeeds or raises DataFormatException — never another exception or a native crash.</summary>
    [Fact]
    public void Decoder_MutatedInputs_OnlyEverRaiseDataFormatException()
    {
        using var tmp = new TempDir();
        var pixels = new byte[48 * 40];
        for (int i = 0; i < pixels.Length; i++) pixels[i] = (byte)(i * 13 % 241);
        var words = new byte[pixels.Length * 2];
        for (int i = 0; i < pixels.Length; i++) { words[2 * i] = pixels[i]; words[2 * i + 1] = (byte)(pixels[i] & 0x0F); }
        File.WriteAllBytes(tmp["src16.dcm"], new Dicom.DicomWriter().Pixels(40, 48, 16, 12, false, words).ToBytes());
        var samples = new List<byte[]>
        {
            JpegCodec.EncodeGray(pixels, 48, 40), PngEncoder.EncodeGray8(pixels, 48, 40),
            new Dicom.DicomWriter().Pixels(40, 48, 8, 8, false, pixels).ToBytes(), File.ReadAllBytes(tmp["src16.dcm"]),
        };
        foreach (var (tool, args) in new[] { ("dcmcrle", new string[0]), ("dcmcjpeg", new[] { "+e1" }), ("dcmcjpeg", new[] { "+ee" }), ("dcmconv", new[] { "+td" }), ("gdcmconv", new[] { "--j2k" }) })
        {
            var outFile = tmp[$"{tool}{samples.Count}.dcm"];
            RefTool.Run("/usr/bin/" + tool, tool == "gdcmconv" ? ["-i", tmp["src16.dcm"], "-o", outFile, .. args] : [.. args, tmp["src16.dcm"], outFile]);
            samples.Add(File.ReadAllBytes(outFile));
        }
        var rng = new Random(12345);
        int failures = 0;
        for (int it = 0; it < 1500; it++)
        {
            var d = (byte[])samples[it % samples.Count].Clone();
            if (rng.Next(2) == 0) d = d[..rng.Next(1, d.Length)];
            else for (int k = rng.Next(1, 6); k > 0; k--) d[rng.Next(d.Length)] ^= (byte)rng.Next(1, 256);
            try { ImageDecoder.Decode(d, "mutated", rng.Next(2) == 0 ? null : 16); }
            catch (DataFormatException e) { Assert.StartsWith("mutated", e.Message); failures++; }
        }
        Assert.True(failures > 100, $"only {failures} of 1500 mutations were detected");
    }
}
