using XRayHpc.Cache;
using XRayHpc.Determinism;

namespace XRayHpc.Loader;

/// <summary>
/// uint8 cache image -> normalized float output, optionally through a random affine warp (rotation,
/// scale, translation; bilinear, black outside) and brightness/contrast. The random draws come from
/// a generator seeded by (seed, epoch, row id, occurrence), so a sample's augmentation does not depend
/// on which thread, batch or rank produced it.
/// </summary>
public sealed class ImageTransform
{
    readonly int _srcSize, _dstSize;
    readonly float _mean, _invStd;
    readonly float[] _lut = new float[256];
    readonly AugmentOptions _aug;

    public ImageTransform(int srcSize, int dstSize, double mean, double std, AugmentOptions aug)
    {
        _srcSize = srcSize; _dstSize = dstSize; _aug = aug;
        _mean = (float)mean; _invStd = (float)(1.0 / (std > 1e-8 ? std : 1.0));
        for (int v = 0; v < 256; v++) _lut[v] = (v / 255f - _mean) * _invStd;
    }

    public static ulong SampleSeed(long seed, int epoch, long rowId, int occurrence) =>
        DeterministicRandom.Mix(seed, epoch, rowId, occurrence, 0xA06);

    /// <summary>Writes dstSize² floats to <paramref name="dst"/>.</summary>
    public void Apply(ReadOnlySpan<byte> src, Span<float> dst, bool augment, ulong sampleSeed)
    {
        if (src.Length != _srcSize * _srcSize) throw new InvalidDataException($"image has {src.Length} bytes, expected {_srcSize}x{_srcSize}");
        if (!augment && _srcSize == _dstSize)
        {
            for (int i = 0; i < src.Length; i++) dst[i] = _lut[src[i]];
            return;
        }
        double angle = 0, scale = 1, tx = 0, ty = 0, brightness = 0, contrast = 1;
        bool flip = false;
        if (augment)
        {
            var rng = new DeterministicRandom(sampleSeed);
            angle = rng.Uniform(-_aug.MaxRotationDegrees, _aug.MaxRotationDegrees) * Math.PI / 180;
            scale = rng.Uniform(1 - _aug.MaxScale, 1 + _aug.MaxScale);
            tx = rng.Uniform(-_aug.MaxTranslate, _aug.MaxTranslate) * _dstSize;
            ty = rng.Uniform(-_aug.MaxTranslate, _aug.MaxTranslate) * _dstSize;
            brightness = rng.Uniform(-_aug.Brightness, _aug.Brightness);
            contrast = rng.Uniform(1 - _aug.Contrast, 1 + _aug.Contrast);
            flip = _aug.HorizontalFlip && rng.NextDouble() < 0.5;
        }
        // Inverse map: output pixel centre -> source coordinates. Forward is
        // out = R(angle)·scale·(src − c_src)·(dst/src) + c_dst + t, so src = R(−angle)/scale·(out − c_dst − t)·(src/dst) + c_src.
        double k = _srcSize / (double)_dstSize / scale;
        double cos = Math.Cos(angle) * k, sin = Math.Sin(angle) * k;
        double cd = _dstSize / 2.0, cs = _srcSize / 2.0;
        // Intensity: v' = (v − 0.5)·contrast + 0.5 + brightness, then (v' − mean)/std, folded into a·v + b on raw 0..255 v.
        float a = (float)(contrast / 255.0 * _invStd);
        float b = (float)(((0.5 - 0.5 * contrast + brightness) - _mean) * _invStd);
        float fill = (float)((0.5 - 0.5 * contrast + brightness - _mean) * _invStd); // black (0) after the intensity map
        int n = _srcSize;
        for (int y = 0; y < _dstSize; y++)
        {
            double oy = y + 0.5 - cd - ty;
            double ox0 = 0.5 - cd - tx;
            double sx = cos * ox0 + sin * oy + cs - 0.5;
            double sy = -sin * ox0 + cos * oy + cs - 0.5;
            var row = dst.Slice(y * _dstSize, _dstSize);
            for (int x = 0; x < _dstSize; x++, sx += cos, sy -= sin)
            {
                int x0 = (int)Math.Floor(sx), y0 = (int)Math.Floor(sy);
                float v;
                if (x0 >= 0 && y0 >= 0 && x0 + 1 < n && y0 + 1 < n)
                {
                    float fx = (float)(sx - x0), fy = (float)(sy - y0);
                    int i = y0 * n + x0;
                    float top = src[i] + (src[i + 1] - src[i]) * fx;
                    float bot = src[i + n] + (src[i + n + 1] - src[i + n]) * fx;
                    v = top + (bot - top) * fy;
                }
                else if (x0 >= -1 && y0 >= -1 && x0 < n && y0 < n)
                {
                    float fx = (float)(sx - x0), fy = (float)(sy - y0);
                    float p00 = At(src, x0, y0, n), p10 = At(src, x0 + 1, y0, n), p01 = At(src, x0, y0 + 1, n), p11 = At(src, x0 + 1, y0 + 1, n);
                    float top = p00 + (p10 - p00) * fx, bot = p01 + (p11 - p01) * fx;
                    v = top + (bot - top) * fy;
                }
                else { row[flip ? _dstSize - 1 - x : x] = fill; continue; }
                row[flip ? _dstSize - 1 - x : x] = a * v + b;
            }
        }
    }

    static float At(ReadOnlySpan<byte> s, int x, int y, int n) => x < 0 || y < 0 || x >= n || y >= n ? 0f : s[y * n + x];
}
