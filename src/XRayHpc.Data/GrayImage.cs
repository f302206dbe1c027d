namespace XRayHpc.Data;

/// <summary>An 8-bit grayscale image, row-major, Width*Height bytes.</summary>
public sealed class GrayImage
{
    public int Width { get; }
    public int Height { get; }
    public byte[] Pixels { get; }

    public GrayImage(int width, int height, byte[] pixels)
    {
        if (width <= 0 || height <= 0) throw new ArgumentOutOfRangeException(nameof(width), $"bad size {width}x{height}");
        if (pixels.Length != (long)width * height) throw new ArgumentException($"{pixels.Length} bytes for {width}x{height}", nameof(pixels));
        Width = width;
        Height = height;
        Pixels = pixels;
    }

    public byte this[int x, int y] => Pixels[y * Width + x];
}
