namespace XRayHpc.Cache;

/// <summary>
/// Exact pixel mean/std: integer sums of values and squares (a 224² uint8 image adds at most
/// 3.3e9 to the square sum, so 2^63 holds ~10^9 images). Sums are order-independent, so the result is
/// the same whatever the thread count; mean/std are reported on the 0..1 scale the loader feeds the model.
/// </summary>
public struct PixelStats
{
    public long Count;
    public long Sum;
    public long SumSquares;

    public static PixelStats Of(ReadOnlySpan<byte> pixels)
    {
        long s = 0, s2 = 0;
        foreach (var p in pixels) { s += p; s2 += p * p; }
        return new PixelStats { Count = pixels.Length, Sum = s, SumSquares = s2 };
    }

    public void Add(PixelStats o) { Count += o.Count; Sum += o.Sum; SumSquares += o.SumSquares; }

    public readonly double Mean => Count == 0 ? 0 : (double)Sum / Count / 255.0;

    /// <summary>Population std on the 0..1 scale, computed from exact integer moments.</summary>
    public readonly double Std
    {
        get
        {
            if (Count == 0) return 1;
            // n·Σx² − (Σx)² exactly in 128-bit, then one division: no catastrophic cancellation.
            var num = (Int128)Count * SumSquares - (Int128)Sum * Sum;
            double var = (double)num / ((double)Count * Count);
            return Math.Sqrt(Math.Max(0, var)) / 255.0;
        }
    }
}
