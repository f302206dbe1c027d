namespace XRayHpc.Determinism;

/// <summary>
/// A SplitMix64 stream: the cache's and loader's seeded decisions (splits, shuffles, augmentation), identical
/// across .NET versions and machines. A struct: a per-row generator costs no allocation.
/// </summary>
public struct DeterministicRandom
{
    ulong _state;

    public DeterministicRandom(ulong seed) { _state = seed; }

    /// <summary>Combines several integers into one well-mixed seed (order matters).</summary>
    public static ulong Mix(params long[] parts)
    {
        ulong h = SplitMix64.Golden;
        foreach (var p in parts) h = SplitMix64.Finalize(h ^ SplitMix64.Finalize((ulong)p + 0x632BE59BD9B4E019UL));
        return h;
    }

    public ulong NextUInt64() => SplitMix64.Next(ref _state);

    /// <summary>Uniform in [0, 1) with 53 bits.</summary>
    public double NextDouble() => (NextUInt64() >> 11) * (1.0 / (1UL << 53));

    /// <summary>Uniform integer in [0, n) without modulo bias worth caring about (n ≪ 2^64).</summary>
    public int NextInt(int n) => (int)((NextUInt64() >> 11) % (ulong)n);

    public double Uniform(double lo, double hi) => lo + (hi - lo) * NextDouble();

    /// <summary>In-place Fisher–Yates shuffle.</summary>
    public void Shuffle<T>(IList<T> items)
    {
        for (int i = items.Count - 1; i > 0; i--)
        {
            int j = NextInt(i + 1);
            (items[i], items[j]) = (items[j], items[i]);
        }
    }
}
