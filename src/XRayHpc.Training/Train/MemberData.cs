using XRayHpc.Determinism;
using XRayHpc.Loader;
using XRayHpc.Mpi;
using XRayHpc.Training.Config;

namespace XRayHpc.Training.Train;

/// <summary>
/// A member's endless training stream on this rank, addressed by a cursor (epoch, batch in epoch) that is the
/// same on every rank of the member: an epoch lasts as many steps as its longest rank shard, and a rank whose
/// shard ran out contributes an empty batch (the data-parallel step weights by sample count, so that is exact).
/// </summary>
public sealed class MemberData(ExperimentConfig config, int member, int memberRank, int memberSize) : IDisposable
{
    public int Epoch { get; private set; }
    public long BatchInEpoch { get; private set; }
    public int BatchSize { get; private set; } = config.Data.BatchSize;
    long _stepsThisEpoch = -1;
    BatchLoader? _loader;
    IEnumerator<Batch>? _batches;
    readonly long _seed = Seeds.For(config.Run.Seed, "data", member);

    LoaderOptions Options(int epoch) => new()
    {
        BatchSize = BatchSize, Epoch = epoch, Seed = _seed, Augment = config.Data.Augment, Balanced = config.Data.Balanced,
        Threads = config.Data.LoaderThreads, Prefetch = Math.Max(1, config.Data.Prefetch), Shuffle = true,
        Normalization = Normalization.Of(config.Data),
    };

    /// <summary>Train batches per epoch of each of the member's ranks (epoch 0); an epoch lasts their maximum.</summary>
    public static int[] BatchCountsPerRank(ExperimentConfig config, int memberSize, int batchSize) =>
        BatchLoader.BatchCounts(config.Data.Cache, "train", memberSize,
            new LoaderOptions { BatchSize = batchSize, Epoch = 0, Seed = 0, Shuffle = true });

    /// <summary>
    /// A warning when the member's ranks get unequal work from this cache: row groups are dealt to ranks whole,
    /// so a cache cut for another rank count (preprocess --target-ranks) can give one rank several times the
    /// batches of another, and every step then waits for the busiest rank. Null when balanced.
    /// </summary>
    public static string? ImbalanceWarning(IReadOnlyList<int> batchCountsPerRank, string cache)
    {
        int ranks = batchCountsPerRank.Count;
        if (ranks < 2) return null;
        int min = batchCountsPerRank.Min(), max = batchCountsPerRank.Max();
        if (max - min <= 1 || max <= 1.1 * min) return null;
        return $"the train split of {cache} gives the {ranks} ranks of a member {min} to {max} batches per epoch " +
               $"(row groups are dealt whole); the less loaded ranks wait each step. Rerun preprocess with --target-ranks {ranks} for even shards";
    }

    /// <summary>Positions the stream (resume): the loader replays the epoch's first batches deterministically.</summary>
    public void Seek(int epoch, long batchInEpoch, int batchSize)
    {
        BatchSize = batchSize;
        Open(epoch);
        for (long i = 0; i < batchInEpoch; i++) _ = Pull();
        BatchInEpoch = batchInEpoch;
    }

    /// <summary>A new batch size takes effect from a fresh epoch (a cursor in batches means nothing across sizes).</summary>
    public void ChangeBatchSize(int batchSize)
    {
        if (batchSize == BatchSize) return;
        BatchSize = batchSize;
        Open(Epoch + 1);
    }

    /// <summary>The next batch of this rank, or null when this rank's shard is exhausted for this epoch's last step(s).</summary>
    public Batch? Next()
    {
        if (_loader == null) Open(0);
        if (BatchInEpoch >= _stepsThisEpoch) Open(Epoch + 1);
        BatchInEpoch++;
        return Pull();
    }

    Batch? Pull() => _batches!.MoveNext() ? _batches.Current : null;

    void Open(int epoch)
    {
        _batches?.Dispose();
        _loader?.Dispose();
        Epoch = epoch;
        BatchInEpoch = 0;
        var o = Options(epoch);
        _stepsThisEpoch = BatchLoader.BatchCounts(config.Data.Cache, "train", memberSize, o).Max();
        _loader = new BatchLoader(config.Data.Cache, "train", memberRank, memberSize, o);
        _batches = _loader.Batches().GetEnumerator();
    }

    public void Dispose()
    {
        _batches?.Dispose();
        _loader?.Dispose();
    }
}
