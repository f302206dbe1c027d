using XRayHpc.Data.Decoders;

namespace XRayHpc.Explain.Tests;

/// <summary>
/// Our PNG encoder read back by an independent decoder, ImageMagick's `convert` (package imagemagick): grey and RGB,
/// odd sizes, random content (every filter byte path and zlib block), pixels compared exactly.
/// </summary>
public class PngEncoderTests
{
    const string Convert = "/usr/bin/convert";

    [Theory]
    [InlineData(1, 1, 3)]
    [InlineData(37, 23, 3)]
    [InlineData(256, 130, 3)]
    [InlineData(1, 1, 1)]
    [InlineData(61, 17, 1)]
    [InlineData(300, 200, 1)]
    public void ImageMagick_decodes_our_png_to_the_same_pixels(int width, int height, int channels)
    {
        var rng = new Random(width * 1000 + height * 10 + channels);
        var pixels = new byte[width * height * channels];
        rng.NextBytes(pixels);
        // Half smooth rows so the Up filter and zlib see runs as well as noise.
        for (int y = 0; y < height; y += 2)
            for (int i = 0; i < width * channels; i++) pixels[y * width * channels + i] = (byte)(i * 7 + y);
        var png = channels == 3 ? PngEncoder.EncodeRgb8(pixels, width, height) : PngEncoder.EncodeGray8(pixels, width, height);
        var dir = Oracle.TempDir("png");
        try
        {
            var path = Path.Combine(dir, "a.png");
            File.WriteAllBytes(path, png);
            var raw = Path.Combine(dir, "a.raw");
            Oracle.Run(Convert, path, "-depth", "8", (channels == 3 ? "rgb:" : "gray:") + raw);
            var decoded = File.ReadAllBytes(raw);
            Assert.Equal(pixels.Length, decoded.Length);
            Assert.True(pixels.AsSpan().SequenceEqual(decoded), "ImageMagick decoded different pixels");
            var info = Oracle.Run("/usr/bin/identify", "-format", "%w %h %[channels]", path);
            Assert.StartsWith($"{width} {height}", info);
        }
        finally { Directory.Delete(dir, recursive: true); }
    }

    [Fact]
    public void Our_decoder_reads_the_rgb_encoder_as_luma()
    {
        var rgb = new byte[] { 255, 0, 0, 0, 255, 0, 0, 0, 255, 10, 10, 10 };
        var img = PngDecoder.Decode(PngEncoder.EncodeRgb8(rgb, 2, 2), "t");
        Assert.Equal(2, img.Width);
        Assert.Equal(10, img.Pixels[3]);
        Assert.True(img.Pixels[1] > img.Pixels[0] && img.Pixels[0] > img.Pixels[2], "green is brightest, blue darkest in luma");
    }
}
