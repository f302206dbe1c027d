namespace XRayHpc.Determinism;

/// <summary>
/// SplitMix64 (Steele, Lea, Flood 2014; Vigna's constants): the mixer every seeded stream here is built from.
/// Fully specified, so the same seed gives the same numbers on every .NET version and machine — System.Random's
/// seeded sequence is not a contract.
/// </summary>
public static class SplitMix64
{
    public const ulong Golden = 0x9E3779B97F4A7C15UL;

    /// <summary>The output function (Stafford's variant 13): a bijection that spreads every input bit over all 64.</summary>
    public static ulong Finalize(ulong z)
    {
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }

    /// <summary>Advances <paramref name="x"/> by the golden gamma and returns the next output.</summary>
    public static ulong Next(ref ulong x) => Finalize(x += Golden);
}
