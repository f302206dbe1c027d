using XRayHpc.Training.Config;
using XRayHpc.Training.Run;

namespace XRayHpc.Training.Train;

/// <summary>Every member's last evaluation (the same on every rank: the records are all-gathered), read as the tuner's and the checkpoint's metric.</summary>
public sealed class PopulationScores(ExperimentConfig config)
{
    readonly Dictionary<int, MetricsRecord> _last = new();
    readonly Dictionary<int, double> _score = new();

    public void Update(MetricsRecord r) { _last[r.Member] = r; _score[r.Member] = Score(r); }

    /// <summary>tuner.metric of a record; higher is better for the tuner (val_loss is negated).</summary>
    public double Score(MetricsRecord r) => config.Tuner.Metric switch
    {
        "val_loss" => -r.ValLoss,
        "accuracy" => r.Accuracy,
        "f1" => r.F1,
        _ => r.MeanAuroc,
    };

    /// <summary>The tuner metric of a member's last evaluation (0 before its first).</summary>
    public double LastScore(int member) => _score.GetValueOrDefault(member);

    /// <summary>The member with the best last score (finite scores only; ties to the lower member; 0 without any).</summary>
    public int Best() => _score.Where(kv => double.IsFinite(kv.Value)).OrderByDescending(kv => kv.Value).ThenBy(kv => kv.Key)
        .Select(kv => kv.Key).DefaultIfEmpty(0).First();

    /// <summary>The checkpoint.metric of a member's last evaluation; NaN before the first or after a failed one (never "best").</summary>
    public double CheckpointMetric(int member) => !_last.TryGetValue(member, out var r) || r.Failed ? double.NaN : config.Checkpoint.Metric switch
    {
        "val_loss" => r.ValLoss,
        "accuracy" => r.Accuracy,
        "f1" => r.F1,
        _ => r.MeanAuroc,
    };
}
