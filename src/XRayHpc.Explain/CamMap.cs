namespace XRayHpc.Explain;

/// <summary>Map arithmetic shared by the renderer, the raw-map writer and the sanity check.</summary>
public static class CamMap
{
    /// <summary>
    /// Bilinear resize of an h×w map to H×W with half-pixel centres and edge clamping — the same sampling as
    /// PyTorch's interpolate(mode="bilinear", align_corners=False), so maps compare with the oracle's.
    /// </summary>
    public static float[] Upsample(ReadOnlySpan<float> map, int h, int w, int outH, int outW)
    {
        if (map.Length != h * w) throw new ArgumentException($"map has {map.Length} values, expected {h}x{w}");
        var dst = new float[outH * outW];
        var (x0, x1, fx) = Taps(w, outW);
        var (y0, y1, fy) = Taps(h, outH);
        for (int y = 0; y < outH; y++)
        {
            var top = map.Slice(y0[y] * w, w);
            var bottom = map.Slice(y1[y] * w, w);
            float ly = fy[y];
            for (int x = 0; x < outW; x++)
            {
                float lx = fx[x];
                float t = top[x0[x]] + (top[x1[x]] - top[x0[x]]) * lx;
                float b = bottom[x0[x]] + (bottom[x1[x]] - bottom[x0[x]]) * lx;
                dst[y * outW + x] = t + (b - t) * ly;
            }
        }
        return dst;
    }

    static (int[] I0, int[] I1, float[] Frac) Taps(int inSize, int outSize)
    {
        var i0 = new int[outSize]; var i1 = new int[outSize]; var frac = new float[outSize];
        float scale = (float)inSize / outSize;
        for (int o = 0; o < outSize; o++)
        {
            float src = Math.Max(scale * (o + 0.5f) - 0.5f, 0f);
            int lo = Math.Min((int)src, inSize - 1);
            i0[o] = lo;
            i1[o] = Math.Min(lo + 1, inSize - 1);
            frac[o] = src - lo;
        }
        return (i0, i1, frac);
    }

    /// <summary>ReLU, then divided by the maximum: 0..1 for display (all zero when nothing is positive).</summary>
    public static float[] ToUnit(ReadOnlySpan<float> map)
    {
        float max = 0;
        foreach (var v in map) if (v > max) max = v;
        var u = new float[map.Length];
        if (max <= 0 || !float.IsFinite(max)) return u;
        for (int i = 0; i < map.Length; i++) u[i] = map[i] > 0 ? map[i] / max : 0;
        return u;
    }

    /// <summary>Share of the positive map mass that falls where <paramref name="mask"/> is set (NaN when the map has no positive mass).</summary>
    public static double MassShare(ReadOnlySpan<float> map, ReadOnlySpan<bool> mask)
    {
        if (map.Length != mask.Length) throw new ArgumentException($"map has {map.Length} values, mask {mask.Length}");
        double inside = 0, total = 0;
        for (int i = 0; i < map.Length; i++)
        {
            if (map[i] <= 0) continue;
            total += map[i];
            if (mask[i]) inside += map[i];
        }
        return total > 0 ? inside / total : double.NaN;
    }

    /// <summary>
    /// The highest <see cref="MassShare"/> that any non-negative h×w map can reach on <paramref name="mask"/> once
    /// upsampled to outH×outW: what a perfect explanation at this resolution would score. Upsampling is linear, so a
    /// map's share is a mass-weighted average of its cells' shares and the best map puts everything on one cell.
    /// A last-stage map has one cell per 32×32 pixels, which for a small finding keeps this well below 1.
    /// </summary>
    public static double BestShare(int h, int w, ReadOnlySpan<bool> mask, int outH, int outW)
    {
        if (mask.Length != outH * outW) throw new ArgumentException($"mask has {mask.Length} values, expected {outH}x{outW}");
        var oneHot = new float[h * w];
        double best = 0;
        for (int c = 0; c < oneHot.Length; c++)
        {
            oneHot[c] = 1;
            double share = MassShare(Upsample(oneHot, h, w, outH, outW), mask);
            if (share > best) best = share;
            oneHot[c] = 0;
        }
        return best;
    }
}
