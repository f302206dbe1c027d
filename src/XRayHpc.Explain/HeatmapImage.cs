using System.Globalization;
using XRayHpc.Data.Decoders;

namespace XRayHpc.Explain;

/// <summary>
/// The picture a radiologist looks at: the film in grey with the 0..1 map blended over it in a jet colour map
/// (weight grows with the map, so cold regions show the film), and below it a legend band with the class,
/// its probability, the method and a colour bar from 0 to 1.
/// </summary>
public static class HeatmapImage
{
    /// <param name="pixels">The film, size×size 8-bit grey (the model's input before normalisation).</param>
    /// <param name="unitMap">The map at the same size, 0..1 (<see cref="CamMap.ToUnit"/>).</param>
    public static byte[] RenderPng(ReadOnlySpan<byte> pixels, ReadOnlySpan<float> unitMap, int size, string className, double probability, CamMethod method)
    {
        int scale = Math.Max(1, size / 160);
        int legend = (BitmapFont.Height + 4) * scale * 2 + 6 * scale;
        int width = size, height = size + legend;
        var rgb = new byte[width * height * 3];
        for (int i = 0; i < size * size; i++)
        {
            float m = Math.Clamp(unitMap[i], 0f, 1f);
            var (r, g, b) = Jet(m);
            float a = 0.55f * m;
            float grey = pixels[i];
            rgb[i * 3] = (byte)MathF.Round(grey + (r - grey) * a);
            rgb[i * 3 + 1] = (byte)MathF.Round(grey + (g - grey) * a);
            rgb[i * 3 + 2] = (byte)MathF.Round(grey + (b - grey) * a);
        }
        // Legend band: two lines of text, then the colour bar.
        string line1 = $"{className} P={probability.ToString("0.000", CultureInfo.InvariantCulture)}";
        string line2 = method == CamMethod.GradCam ? "GRAD-CAM 0" : "CAM 0";
        int y1 = size + 2 * scale, y2 = y1 + (BitmapFont.Height + 3) * scale;
        BitmapFont.Draw(rgb, width, height, 2 * scale, y1, line1, scale, (255, 255, 255));
        BitmapFont.Draw(rgb, width, height, 2 * scale, y2, line2, scale, (255, 255, 255));
        int barX0 = 2 * scale + BitmapFont.TextWidth(line2, scale) + 2 * scale;
        int barX1 = width - 2 * scale - BitmapFont.TextWidth("1", scale) - 2 * scale;
        for (int x = barX0; x < barX1; x++)
        {
            var (r, g, b) = Jet((float)(x - barX0) / Math.Max(1, barX1 - barX0 - 1));
            for (int y = y2; y < y2 + BitmapFont.Height * scale && y < height; y++)
            {
                int i = (y * width + x) * 3;
                rgb[i] = r; rgb[i + 1] = g; rgb[i + 2] = b;
            }
        }
        if (barX1 > barX0) BitmapFont.Draw(rgb, width, height, barX1 + 2 * scale, y2, "1", scale, (255, 255, 255));
        return PngEncoder.EncodeRgb8(rgb, width, height);
    }

    /// <summary>The classic jet map: dark blue → blue → cyan → yellow → red → dark red.</summary>
    public static (byte R, byte G, byte B) Jet(float t)
    {
        t = Math.Clamp(t, 0f, 1f);
        static byte C(float v) => (byte)MathF.Round(255f * Math.Clamp(v, 0f, 1f));
        return (C(1.5f - MathF.Abs(4f * t - 3f)), C(1.5f - MathF.Abs(4f * t - 2f)), C(1.5f - MathF.Abs(4f * t - 1f)));
    }
}
