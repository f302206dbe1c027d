namespace XRayHpc.Cache;

/// <summary>One planned row group: a contiguous range of the split's (ordered) input items.</summary>
public sealed record RowGroupPlan(int FirstItem, int ItemCount);

/// <summary>One planned shard file: consecutive row groups.</summary>
public sealed record ShardPlan(Split Split, int Index, IReadOnlyList<RowGroupPlan> RowGroups)
{
    public string FileName => $"part-{Index:D5}.parquet";
    public string RelativePath => $"{Split.Name()}/{FileName}";
    public int FirstItem => RowGroups[0].FirstItem;
    public int ItemCount => RowGroups.Sum(r => r.ItemCount);
}

/// <summary>
/// Cuts a split's items into row groups and shard files for a target rank count. The loader deals
/// whole row groups to ranks round-robin, so the number of row groups is a multiple of the target
/// rank count and their sizes differ by at most one row: each of the target ranks then reads the same
/// number of row groups and rows (±1 per group). Row groups stay at or under
/// <paramref name="maxRowsPerGroup"/> (bounded reader memory: 256 rows of 224² ≈ 13 MB).
/// Rows rejected with --skip-bad drop out of their planned group, which then holds fewer rows.
/// </summary>
public static class ShardPlanner
{
    public static IReadOnlyList<ShardPlan> Plan(Split split, int itemCount, int targetRanks,
        int maxRowsPerGroup = 256, int rowGroupsPerShard = 8)
    {
        if (targetRanks < 1) throw new ArgumentException("target ranks must be ≥ 1");
        if (maxRowsPerGroup < 1 || rowGroupsPerShard < 1) throw new ArgumentException("row group and shard sizes must be ≥ 1");
        if (itemCount == 0) return [];
        int perRank = (int)Math.Ceiling(itemCount / (double)targetRanks / maxRowsPerGroup);
        int groups = Math.Min(itemCount, targetRanks * Math.Max(1, perRank));
        var rgs = new List<RowGroupPlan>(groups);
        int baseSize = itemCount / groups, extra = itemCount % groups, at = 0;
        for (int g = 0; g < groups; g++)
        {
            int n = baseSize + (g < extra ? 1 : 0);
            rgs.Add(new RowGroupPlan(at, n));
            at += n;
        }
        // Shards of whole row groups; a multiple of the rank count per file when it fits keeps files even.
        int perShard = rowGroupsPerShard >= targetRanks ? rowGroupsPerShard / targetRanks * targetRanks : rowGroupsPerShard;
        var shards = new List<ShardPlan>();
        for (int i = 0; i < rgs.Count; i += perShard)
            shards.Add(new ShardPlan(split, shards.Count, rgs.GetRange(i, Math.Min(perShard, rgs.Count - i))));
        return shards;
    }
}
