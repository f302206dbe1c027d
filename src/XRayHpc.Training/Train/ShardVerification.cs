using XRayHpc.Cache;
using XRayHpc.Mpi;
using XRayHpc.Training.Config;

namespace XRayHpc.Training.Train;

/// <summary>
/// `data.verify: full`: the shards' SHA-256 checked against the manifest once per shard, before training, the
/// shards dealt round-robin over the world's ranks so the check reads each file once and in parallel. Every
/// rank learns every problem (Allgatherv), so all of them stop with the same named error.
/// </summary>
public static class ShardVerification
{
    /// <summary>Empty when verification is off or every shard matches; else one line per bad shard (same on every rank).</summary>
    public static IReadOnlyList<string> Run(ExperimentConfig config, CacheManifest manifest, Communicator world)
    {
        if (config.Data.Verify != CacheVerification.Full) return [];
        var shards = CacheVerifier.Shards(manifest);
        var mine = new List<string>();
        for (int i = world.Rank; i < shards.Count; i += world.Size)
            if (CacheVerifier.Check(config.Data.Cache, shards[i]) is { } problem) mine.Add(problem);
        var bytes = System.Text.Encoding.UTF8.GetBytes(string.Join("\n", mine));
        return world.Allgatherv<byte>(bytes).Where(b => b.Length > 0)
            .SelectMany(b => System.Text.Encoding.UTF8.GetString(b).Split('\n')).ToList();
    }
}
