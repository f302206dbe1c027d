namespace XRayHpc.Data.Synthesis;

/// <summary>
/// The raster a <see cref="ChestRenderer"/> draws on: size×size float intensities (0..1 before exposure and
/// noise) and the drawing primitives, in normalised coordinates (0..1 across the film). Draws no random numbers.
/// </summary>
internal sealed class FilmCanvas(int size)
{
    private readonly int _n = size;
    private readonly float[] _img = new float[size * size];

    /// <summary>Row-major pixels, size×size.</summary>
    public float[] Pixels => _img;

    public void Fill(float v) => Array.Fill(_img, v);

    public void Add(double x, double y, float v)
    {
        int px = (int)(x * _n), py = (int)(y * _n);
        if ((uint)px < (uint)_n && (uint)py < (uint)_n) _img[py * _n + px] += v;
    }

    public void Set(double x, double y, float v)
    {
        int px = (int)(x * _n), py = (int)(y * _n);
        if ((uint)px < (uint)_n && (uint)py < (uint)_n) _img[py * _n + px] = MathF.Max(_img[py * _n + px], v);
    }

    /// <summary>Applies f to every pixel of a square region, passing pixel-centre coordinates.</summary>
    public void Region(double cx, double cy, double half, Func<double, double, float, float> f)
    {
        int x0 = Math.Max(0, (int)((cx - half) * _n)), x1 = Math.Min(_n - 1, (int)((cx + half) * _n) + 1);
        int y0 = Math.Max(0, (int)((cy - half) * _n)), y1 = Math.Min(_n - 1, (int)((cy + half) * _n) + 1);
        for (int y = y0; y <= y1; y++)
        for (int x = x0; x <= x1; x++)
        {
            int i = y * _n + x;
            _img[i] = f((x + 0.5) / _n, (y + 0.5) / _n, _img[i]);
        }
    }

    /// <summary>Blends f into an ellipse with a soft edge of the given width.</summary>
    public void Ellipse(double cx, double cy, double rx, double ry, double edge, Func<double, double, float, float> f)
    {
        int x0 = Math.Max(0, (int)((cx - rx - edge) * _n)), x1 = Math.Min(_n - 1, (int)((cx + rx + edge) * _n) + 1);
        int y0 = Math.Max(0, (int)((cy - ry - edge) * _n)), y1 = Math.Min(_n - 1, (int)((cy + ry + edge) * _n) + 1);
        for (int y = y0; y <= y1; y++)
        for (int x = x0; x <= x1; x++)
        {
            double nx = (x + 0.5) / _n, ny = (y + 0.5) / _n;
            double dx = (nx - cx) / rx, dy = (ny - cy) / ry;
            double r = Math.Sqrt(dx * dx + dy * dy);
            double inside = Math.Clamp((1 - r) * Math.Min(rx, ry) / edge, 0, 1);
            if (inside <= 0) continue;
            int i = y * _n + x;
            _img[i] += (f(nx, ny, _img[i]) - _img[i]) * (float)inside;
        }
    }
}
