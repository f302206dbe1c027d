namespace XRayHpc.Training.Train;

/// <summary>
/// How N world ranks split into P members: member i owns ranks [i·N/P, (i+1)·N/P). Pure arithmetic, so
/// every rank computes the same layout without communicating.
/// </summary>
public sealed record Population(int WorldSize, int Members)
{
    public int RanksPerMember => WorldSize / Members;
    public int MemberOf(int worldRank) => worldRank / RanksPerMember;
    public int RootOf(int member) => member * RanksPerMember;
    public int MemberRank(int worldRank) => worldRank % RanksPerMember;

    public static Population Create(int worldSize, int members)
    {
        if (members < 1) throw new ArgumentException($"tuner.population {members} must be >= 1");
        if (worldSize % members != 0)
            throw new ArgumentException($"the world has {worldSize} ranks, not a multiple of tuner.population {members}: launch N = k x {members} ranks");
        return new Population(worldSize, members);
    }
}

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
