using XRayHpc.Cache;
using XRayHpc.Determinism;
using XRayHpc.Parquet;

namespace XRayHpc.Loader;

/// <summary>A row group of a split: where it is and which split row ids it holds.</summary>
public sealed record RowGroupRef(string ShardPath, int RowGroup, int RowCount, long FirstRowId);

/// <summary>The decoded columns of one row group.</summary>
public sealed record RowGroupData(RowGroupRef Ref, byte[]?[] Images, float[]?[] Labels, float[]?[] LabelMask);

/// <summary>
/// The rows of one split that belong to (rank, worldSize). Row groups are dealt round-robin in an
/// epoch-seeded permutation of all the split's row groups, so every rank reads only its own row
/// groups, every row is read by exactly one rank per epoch, and which rank reads what changes each
/// epoch. Row ids (position in the split's stored order) do not depend on the rank count.
/// </summary>
public sealed class ShardReader
{
    public CacheManifest Manifest { get; }
    public string Split { get; }
    public int Rank { get; }
    public int WorldSize { get; }
    public IReadOnlyList<RowGroupRef> AllRowGroups { get; }
    public long SplitRows { get; }
    readonly string _cacheDir;

    public ShardReader(string cacheDir, string split, int rank, int worldSize)
        : this(cacheDir, CacheManifest.Load(cacheDir), split, rank, worldSize) { }

    public ShardReader(string cacheDir, CacheManifest manifest, string split, int rank, int worldSize)
    {
        if (worldSize < 1 || rank < 0 || rank >= worldSize) throw new ArgumentException($"rank {rank} of world size {worldSize} is out of range");
        _cacheDir = cacheDir;
        Manifest = manifest;
        Split = split;
        Rank = rank;
        WorldSize = worldSize;
        var groups = new List<RowGroupRef>();
        long rowId = 0;
        foreach (var shard in manifest.GetSplit(split).Shards)
            for (int g = 0; g < shard.RowGroupRows.Count; g++)
            {
                groups.Add(new RowGroupRef(Path.Combine(cacheDir, shard.Path), g, (int)shard.RowGroupRows[g], rowId));
                rowId += shard.RowGroupRows[g];
            }
        AllRowGroups = groups;
        SplitRows = rowId;
    }

    /// <summary>This rank's row groups for an epoch, in reading order.</summary>
    public IReadOnlyList<RowGroupRef> RowGroupsFor(int epoch, long seed, bool shuffle = true) =>
        RowGroupsFor(AllRowGroups, Rank, WorldSize, epoch, seed, shuffle);

    public static IReadOnlyList<RowGroupRef> RowGroupsFor(IReadOnlyList<RowGroupRef> all, int rank, int worldSize, int epoch, long seed, bool shuffle)
    {
        var order = Enumerable.Range(0, all.Count).ToArray();
        if (shuffle) new DeterministicRandom(DeterministicRandom.Mix(seed, epoch, 0x5A4D)).Shuffle(order);
        var mine = new List<RowGroupRef>();
        for (int i = rank; i < order.Length; i += worldSize) mine.Add(all[order[i]]);
        return mine;
    }

    /// <summary>Rows this rank reads in an epoch (row group sizes differ by at most one, so ranks may differ slightly).</summary>
    public long RowsFor(int epoch, long seed, bool shuffle = true) => RowGroupsFor(epoch, seed, shuffle).Sum(g => (long)g.RowCount);

    /// <summary>Reads one row group's image, labels and mask columns (and nothing else).</summary>
    public static RowGroupData Read(RowGroupRef g)
    {
        using var r = ParquetFileReader.Open(g.ShardPath);
        if (g.RowGroup >= r.RowGroups.Count || r.RowGroups[g.RowGroup].RowCount != g.RowCount)
            throw new InvalidDataException($"{g.ShardPath}: row group {g.RowGroup} does not match manifest.yaml ({g.RowCount} rows expected); the cache is stale, rerun preprocess");
        return new RowGroupData(g,
            r.ReadColumn(g.RowGroup, CacheSchema.Image).AsBinary(),
            r.ReadColumn(g.RowGroup, CacheSchema.Labels).AsFloatLists(),
            r.ReadColumn(g.RowGroup, CacheSchema.LabelMask).AsFloatLists());
    }
}
