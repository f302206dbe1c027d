namespace XRayHpc.Data;

/// <summary>
/// Antialiased downscale of an 8-bit gray image to exactly Width×Height (stretch, no letterbox).
/// The filter is a triangle (bilinear) kernel whose support grows with the scale factor, applied
/// separably (horizontal, then vertical) in 14-bit fixed point — the same scheme as PIL's
/// Image.resize(BILINEAR) and torchvision's antialias=True, so a 1024 px radiograph averages every
/// source pixel instead of sampling a few (which would alias the rib edges into moiré).
/// Stretch rather than letterbox: chest films are close to square, the cardiothoracic ratio
/// (a width-over-width ratio) survives anisotropic scaling, and no pixels are spent on padding.
/// Integer arithmetic makes the result identical on every machine and thread count.
/// </summary>
public static class ImageResize
{
    const int Precision = 14;

    /// <summary>Resizes <paramref name="src"/> (row-major, srcW×srcH) to dstW×dstH.</summary>
    public static byte[] Resize(ReadOnlySpan<byte> src, int srcW, int srcH, int dstW, int dstH)
    {
        if (srcW <= 0 || srcH <= 0 || dstW <= 0 || dstH <= 0)
            throw new ArgumentException($"invalid resize {srcW}x{srcH} -> {dstW}x{dstH}");
        if (src.Length < (long)srcW * srcH)
            throw new ArgumentException($"pixel buffer has {src.Length} bytes, expected {srcW * srcH}");
        var dst = new byte[dstW * dstH];
        if (srcW == dstW && srcH == dstH) { src[..dst.Length].CopyTo(dst); return dst; }

        var h = Kernel.Build(srcW, dstW);
        var v = Kernel.Build(srcH, dstH);
        // Horizontal pass over every source row into a srcH×dstW buffer, then vertical.
        var mid = new byte[srcH * dstW];
        for (int y = 0; y < srcH; y++)
        {
            var row = src.Slice(y * srcW, srcW);
            var outRow = mid.AsSpan(y * dstW, dstW);
            for (int x = 0; x < dstW; x++)
            {
                int start = h.Start[x], n = h.Count[x], wOff = x * h.MaxTaps;
                int acc = 1 << (Precision - 1);
                for (int k = 0; k < n; k++) acc += row[start + k] * h.Weights[wOff + k];
                outRow[x] = Clamp(acc >> Precision);
            }
        }
        var acc32 = new int[dstW];
        for (int y = 0; y < dstH; y++)
        {
            int start = v.Start[y], n = v.Count[y], wOff = y * v.MaxTaps;
            Array.Fill(acc32, 1 << (Precision - 1));
            for (int k = 0; k < n; k++)
            {
                int w = v.Weights[wOff + k];
                var srcRow = mid.AsSpan((start + k) * dstW, dstW);
                for (int x = 0; x < dstW; x++) acc32[x] += srcRow[x] * w;
            }
            var outRow = dst.AsSpan(y * dstW, dstW);
            for (int x = 0; x < dstW; x++) outRow[x] = Clamp(acc32[x] >> Precision);
        }
        return dst;
    }

    static byte Clamp(int v) => (byte)(v < 0 ? 0 : v > 255 ? 255 : v);

    /// <summary>Per-output-pixel tap range and fixed-point weights along one axis.</summary>
    sealed class Kernel
    {
        public required int[] Start, Count, Weights;
        public required int MaxTaps;

        public static Kernel Build(int inSize, int outSize)
        {
            double scale = (double)inSize / outSize;
            double filterScale = Math.Max(scale, 1.0);
            double support = 1.0 * filterScale; // triangle kernel has support 1
            int maxTaps = (int)Math.Ceiling(support) * 2 + 1;
            var start = new int[outSize];
            var count = new int[outSize];
            var weights = new int[outSize * maxTaps];
            var tmp = new double[maxTaps];
            for (int i = 0; i < outSize; i++)
            {
                double center = (i + 0.5) * scale;
                int xmin = Math.Max((int)(center - support + 0.5), 0);
                int xmax = Math.Min((int)(center + support + 0.5), inSize);
                int n = Math.Min(xmax - xmin, maxTaps);
                double sum = 0;
                for (int k = 0; k < n; k++)
                {
                    double t = (k + xmin - center + 0.5) / filterScale;
                    double w = Math.Max(0, 1 - Math.Abs(t));
                    tmp[k] = w; sum += w;
                }
                int isum = 0, last = 0;
                for (int k = 0; k < n; k++)
                {
                    int w = (int)Math.Round(tmp[k] / sum * (1 << Precision));
                    weights[i * maxTaps + k] = w; isum += w;
                    if (w > 0) last = k;
                }
                // Fixed-point rounding may leave the sum a unit off; put the residue on the last tap so
                // a flat image stays flat exactly.
                weights[i * maxTaps + last] += (1 << Precision) - isum;
                start[i] = xmin; count[i] = n;
            }
            return new Kernel { Start = start, Count = count, Weights = weights, MaxTaps = maxTaps };
        }
    }
}
