namespace XRayHpc.Determinism;

/// <summary>Seeds per purpose, derived from the run seed so streams never overlap by accident.</summary>
public static class Seeds
{
    public static long For(long runSeed, string purpose, long a = 0, long b = 0)
    {
        // SplitMix64 over (seed, purpose, a, b): cheap, stable across platforms and .NET versions.
        ulong h = (ulong)runSeed ^ SplitMix64.Golden;
        foreach (char c in purpose) h = Mix(h ^ c);
        h = Mix(h ^ (ulong)a);
        h = Mix(h ^ (ulong)b);
        return (long)(h & 0x7FFF_FFFF_FFFF_FFFFUL);
    }

    static ulong Mix(ulong z) => SplitMix64.Finalize(z + SplitMix64.Golden);
}
