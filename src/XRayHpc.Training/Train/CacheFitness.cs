using XRayHpc.Cache;
using XRayHpc.Training.Config;

namespace XRayHpc.Training.Train;

/// <summary>
/// Whether a cache can train this experiment at all, checked on every rank from the manifest before anything is
/// written (same verdict everywhere, exit 2): every rank of a member needs a batch, and an AUROC that tunes or picks
/// checkpoints needs a positive and a negative validation row per class, or it is undefined at every evaluation.
/// </summary>
public static class CacheFitness
{
    public static IReadOnlyList<string> Problems(ExperimentConfig config, CacheManifest manifest, int ranksPerMember)
    {
        var problems = new List<string>();
        var cache = config.Data.Cache;
        var train = manifest.GetSplit("train");
        var counts = MemberData.BatchCountsPerRank(config, ranksPerMember, config.Data.BatchSize);
        var idle = Enumerable.Range(0, counts.Length).Where(r => counts[r] == 0).ToList();
        if (idle.Count > 0)
            problems.Add($"data.cache {cache}: the train split ({train.Rows} rows in {train.Shards.Sum(s => s.RowGroupRows.Count)} row groups) " +
                         $"gives member rank{(idle.Count > 1 ? "s" : "")} {string.Join(", ", idle)} of {ranksPerMember} no batch; " +
                         "each rank needs at least one row group: use fewer ranks per member, more images, or preprocess --target-ranks " + ranksPerMember);

        var metrics = new List<string> { config.Checkpoint.Metric };
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
