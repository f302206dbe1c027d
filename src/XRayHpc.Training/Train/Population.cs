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
