namespace XRayHpc.Cache;

/// <summary>
/// SplitMix64: a tiny, fully specified PRNG so every seeded decision (splits, shuffles, augmentation)
/// is identical across .NET versions and machines — System.Random's seeded sequence is not a contract.
/// </summary>
public struct DeterministicRandom
{
    ulong _state;

    public DeterministicRandom(ulong seed) { _state = seed; }

    /// <summary>Combines several integers into one well-mixed seed (order matters).</summary>
    public static ulong Mix(params long[] parts)
    {
        ulong h = 0x9E3779B97F4A7C15UL;
        foreach (var p in parts) h = Finalize(h ^ Finalize((ulong)p + 0x632BE59BD9B4E019UL));
        return h;
    }

    static ulong Finalize(ulong z)
    {
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }

    public ulong NextUInt64() { _state += 0x9E3779B97F4A7C15UL; return Finalize(_state); }

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
