using XRayHpc.Determinism;

namespace XRayHpc.Data.Synthesis;

/// <summary>
/// The synthetic data's draws over xoshiro256** (XRayHpc.Determinism), keyed by (seed, image, ...). Our own
/// generator (not System.Random) so the same seed draws the same dataset on every .NET version; one instance
/// per image keeps output independent of thread order.
/// </summary>
internal sealed class SynthRng
{
    private readonly Xoshiro256 _bits;
    private double? _spareGaussian;

    public SynthRng(params long[] keys) => _bits = Xoshiro256.FromKeys(keys);

    public ulong NextULong() => _bits.NextULong();

    /// <summary>Uniform in [0, 1).</summary>
    public double NextDouble() => _bits.NextDouble();
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
