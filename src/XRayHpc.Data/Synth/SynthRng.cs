namespace XRayHpc.Data.Synthesis;

/// <summary>
/// xoshiro256** seeded through SplitMix64. Our own generator (not System.Random) so the same seed draws
/// the same dataset on every .NET version; one instance per image keeps output independent of thread order.
/// </summary>
internal sealed class SynthRng
{
    private ulong _s0, _s1, _s2, _s3;
    private double? _spareGaussian;

    public SynthRng(params long[] keys)
    {
        ulong x = 0x9E3779B97F4A7C15UL;
        foreach (var k in keys) x = SplitMix(ref x) ^ (ulong)k;
        _s0 = SplitMix(ref x); _s1 = SplitMix(ref x); _s2 = SplitMix(ref x); _s3 = SplitMix(ref x);
    }

    private static ulong SplitMix(ref ulong x)
    {
        ulong z = x += 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }

    public ulong NextULong()
    {
        ulong result = ulong.RotateLeft(_s1 * 5, 7) * 9;
        ulong t = _s1 << 17;
        _s2 ^= _s0; _s3 ^= _s1; _s1 ^= _s2; _s0 ^= _s3; _s2 ^= t;
        _s3 = ulong.RotateLeft(_s3, 45);
        return result;
    }

    /// <summary>Uniform in [0, 1).</summary>
    public double NextDouble() => (NextULong() >> 11) * (1.0 / (1UL << 53));
    public double Uniform(double lo, double hi) => lo + (hi - lo) * NextDouble();
    public int Next(int n) => (int)(NextDouble() * n);
    public int Next(int lo, int hiExclusive) => lo + Next(hiExclusive - lo);
    public bool Chance(double p) => NextDouble() < p;
    public T Pick<T>(IReadOnlyList<T> items) => items[Next(items.Count)];

    public double Gaussian()
    {
        if (_spareGaussian is { } s) { _spareGaussian = null; return s; }
        double u1 = 1.0 - NextDouble(), u2 = NextDouble();
        double r = Math.Sqrt(-2.0 * Math.Log(u1));
        _spareGaussian = r * Math.Sin(2 * Math.PI * u2);
        return r * Math.Cos(2 * Math.PI * u2);
    }
}
