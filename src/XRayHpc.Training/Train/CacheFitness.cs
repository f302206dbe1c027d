using XRayHpc.Cache;
using XRayHpc.Training.Config;
using XRayHpc.Tuning;

namespace XRayHpc.Training.Train;

/// <summary>
/// Whether a cache can train this experiment at all, checked on every rank from the manifest before anything is
/// written (same verdict everywhere, exit 2): every rank of a member needs a batch, and an AUROC that tunes or picks
/// checkpoints needs a positive and a negative validation row per class, or it is undefined at every evaluation.
/// </summary>
public static class CacheFitness
{
    public static IReadOnlyList<string> Problems(ExperimentConfig config, CacheManifest manifest, int ranksPerMember) =>
        Problems(config, manifest, MemberData.BatchCountsPerRank(config, ranksPerMember, config.Data.BatchSize));

    /// <param name="batchCountsPerRank">Train batches per epoch of each rank of a member (row groups are dealt whole).</param>
    public static IReadOnlyList<string> Problems(ExperimentConfig config, CacheManifest manifest, IReadOnlyList<int> batchCountsPerRank)
    {
        var problems = new List<string>();
        var cache = config.Data.Cache;
        var train = manifest.GetSplit("train");
        int ranks = batchCountsPerRank.Count, batches = batchCountsPerRank.Sum();
        // Too few rows for one batch per rank is an error. A rank left idle only because row groups are dealt whole
        // (a cache cut for fewer ranks) still trains correctly (its gradient weight is 0): that is the imbalance warning.
        if (batches < ranks)
            problems.Add($"data.cache {cache}: the train split ({train.Rows} rows) gives the {ranks} ranks of a member {batches} batch{(batches == 1 ? "" : "es")} " +
                         $"per epoch at data.batch_size {config.Data.BatchSize}; every rank needs at least one: use fewer ranks per member or more images");

        // Only a metric that decides something (the tuner's, or which checkpoint is best) must be defined.
        var metrics = new List<string>();
        if (config.Checkpoint.Enabled) metrics.Add(config.Checkpoint.Metric);
        if (config.Tuner.Kind != TunerKind.None) metrics.Add(config.Tuner.Metric);
        if (metrics.Contains("mean_auroc"))
        {
            var val = manifest.GetSplit("val");
            for (int k = 0; k < manifest.ClassNames.Count; k++)
            {
                long pos = k < val.Positives.Count ? val.Positives[k] : 0, neg = k < val.Negatives.Count ? val.Negatives[k] : 0;
                if (pos == 0 || neg == 0)
                    problems.Add($"data.cache {cache}: the val split has {pos} positive and {neg} negative rows for class '{manifest.ClassNames[k]}', " +
                                 $"so its AUROC (the {(config.Tuner.Kind != TunerKind.None && config.Tuner.Metric == "mean_auroc" ? "tuner.metric" : "checkpoint.metric")} mean_auroc) " +
                                 "is undefined at every evaluation; preprocess with more images or a larger --val-fraction");
            }
        }
        return problems;
    }
}
