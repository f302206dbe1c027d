using System.Globalization;
using XRayHpc.Data.Decoders;

namespace XRayHpc.Explain;

/// <summary>
/// The picture a radiologist looks at: the film in grey with the 0..1 map blended over it in a jet colour map
/// (weight grows with the map, so cold regions show the film), and below it a legend band with the class,
/// its probability, the method and a colour bar from 0 to 1. Inputs under <see cref="DisplayMin"/> px are enlarged.
/// </summary>
public static class HeatmapImage
{
    /// <param name="pixels">The film, size×size 8-bit grey (the model's input before normalisation).</param>
    /// <param name="unitMap">The map at the same size, 0..1 (<see cref="CamMap.ToUnit"/>).</param>
    public static byte[] RenderPng(ReadOnlySpan<byte> pixels, ReadOnlySpan<float> unitMap, int size, string className, double probability, CamMethod method)
    {
        // Small model inputs (64 px caches) are shown enlarged (nearest neighbour) so the legend fits and the map is visible.
        int zoom = Math.Max(1, (DisplayMin + size - 1) / size);
        int width = size * zoom;
        int scale = Math.Max(1, width / 200);
        int lineHeight = (BitmapFont.Height + 3) * scale;
        int height = width + 3 * lineHeight + 4 * scale;
        var rgb = new byte[width * height * 3];
        for (int y = 0; y < width; y++)
        for (int x = 0; x < width; x++)
        {
            int src = (y / zoom) * size + x / zoom;
            float m = Math.Clamp(unitMap[src], 0f, 1f);
            var (r, g, b) = Jet(m);
            float a = 0.55f * m;
            float grey = pixels[src];
            int i = (y * width + x) * 3;
            rgb[i] = (byte)MathF.Round(grey + (r - grey) * a);
            rgb[i + 1] = (byte)MathF.Round(grey + (g - grey) * a);
            rgb[i + 2] = (byte)MathF.Round(grey + (b - grey) * a);
        }
        // Legend band: class, probability and method, then the colour bar from 0 to 1.
        int x0 = 2 * scale, y1 = width + 2 * scale, y2 = y1 + lineHeight, y3 = y2 + lineHeight;
        BitmapFont.Draw(rgb, width, height, x0, y1, className, scale, (255, 255, 255));
        string line2 = $"P={probability.ToString("0.000", CultureInfo.InvariantCulture)} {(method == CamMethod.GradCam ? "GRAD-CAM" : "CAM")}";
        BitmapFont.Draw(rgb, width, height, x0, y2, line2, scale, (255, 255, 255));
        BitmapFont.Draw(rgb, width, height, x0, y3, "0", scale, (255, 255, 255));
        int barX0 = x0 + BitmapFont.TextWidth("0", scale) + scale;
        int barX1 = width - x0 - BitmapFont.TextWidth("1", scale) - scale;
        for (int x = barX0; x < barX1; x++)
        {
            var (r, g, b) = Jet((float)(x - barX0) / Math.Max(1, barX1 - barX0 - 1));
            for (int y = y3; y < y3 + BitmapFont.Height * scale && y < height; y++)
            {
                int i = (y * width + x) * 3;
                rgb[i] = r; rgb[i + 1] = g; rgb[i + 2] = b;
            }
        }
        if (barX1 > barX0) BitmapFont.Draw(rgb, width, height, barX1 + scale, y3, "1", scale, (255, 255, 255));
        return PngEncoder.EncodeRgb8(rgb, width, height);
    }

    /// <summary>Smallest side the picture is shown at.</summary>
    public const int DisplayMin = 224;

    /// <summary>The classic jet map: dark blue → blue → cyan → yellow → red → dark red.</summary>
    public static (byte R, byte G, byte B) Jet(float t)
    {
        t = Math.Clamp(t, 0f, 1f);
        static byte C(float v) => (byte)MathF.Round(255f * Math.Clamp(v, 0f, 1f));
        return (C(1.5f - MathF.Abs(4f * t - 3f)), C(1.5f - MathF.Abs(4f * t - 2f)), C(1.5f - MathF.Abs(4f * t - 1f)));
    }
}
