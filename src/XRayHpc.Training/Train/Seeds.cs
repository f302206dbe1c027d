namespace XRayHpc.Training.Train;

/// <summary>Seeds per purpose, derived from the run seed so streams never overlap by accident.</summary>
public static class Seeds
{
    public static long For(long runSeed, string purpose, long a = 0, long b = 0)
    {
        // SplitMix64 over (seed, purpose, a, b): cheap, stable across platforms and .NET versions.
        ulong h = (ulong)runSeed ^ 0x9E3779B97F4A7C15UL;
        foreach (char c in purpose) h = Mix(h ^ c);
        h = Mix(h ^ (ulong)a);
        h = Mix(h ^ (ulong)b);
        return (long)(h & 0x7FFF_FFFF_FFFF_FFFFUL);
    }

    static ulong Mix(ulong z)
    {
        z += 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }
}
