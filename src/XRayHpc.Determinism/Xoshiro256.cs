namespace XRayHpc.Determinism;

/// <summary>
/// xoshiro256** (Blackman, Vigna): a generator whose whole state is four words, so it can be saved and restored
/// (a tuner resumed mid-run makes the draws an uninterrupted one makes) and seeded per item (one instance per
/// synthetic image keeps the output independent of thread order).
/// </summary>
public sealed class Xoshiro256
{
    ulong _s0, _s1, _s2, _s3;

    /// <summary>SplitMix64 spreads a small seed over all 256 bits; xoshiro must not start from an all-zero state.</summary>
    public Xoshiro256(long seed)
    {
        ulong x = unchecked((ulong)seed);
        (_s0, _s1, _s2, _s3) = (SplitMix64.Next(ref x), SplitMix64.Next(ref x), SplitMix64.Next(ref x), SplitMix64.Next(ref x));
    }

    Xoshiro256(ulong s0, ulong s1, ulong s2, ulong s3) => (_s0, _s1, _s2, _s3) = (s0, s1, s2, s3);

    /// <summary>A stream for a tuple of keys (e.g. seed, image index): each key is folded into a SplitMix64 chain.</summary>
    public static Xoshiro256 FromKeys(params long[] keys)
    {
        ulong x = SplitMix64.Golden;
        foreach (var k in keys) x = SplitMix64.Next(ref x) ^ (ulong)k;
        return new Xoshiro256(SplitMix64.Next(ref x), SplitMix64.Next(ref x), SplitMix64.Next(ref x), SplitMix64.Next(ref x));
    }

    public static Xoshiro256 FromState(ulong[] state)
    {
        if (state is not { Length: 4 }) throw new ArgumentException("Rng state must have 4 words", nameof(state));
        return new Xoshiro256(state[0], state[1], state[2], state[3]);
    }

    public ulong[] State => [_s0, _s1, _s2, _s3];

    public ulong NextULong()
    {
        ulong result = ulong.RotateLeft(_s1 * 5, 7) * 9;
        ulong t = _s1 << 17;
        _s2 ^= _s0; _s3 ^= _s1; _s1 ^= _s2; _s0 ^= _s3;
        _s2 ^= t;
        _s3 = ulong.RotateLeft(_s3, 45);
        return result;
    }

    /// <summary>Uniform in [0, 1) with 53 random bits.</summary>
    public double NextDouble() => (NextULong() >> 11) * (1.0 / (1UL << 53));

    /// <summary>Uniform integer in [0, n) without modulo bias.</summary>
    public int NextInt(int n)
    {
        if (n <= 0) throw new ArgumentOutOfRangeException(nameof(n));
        ulong bound = (ulong)n, limit = ulong.MaxValue - ulong.MaxValue % bound;
        ulong v;
        do v = NextULong(); while (v >= limit);
        return (int)(v % bound);
    }
}
