using XRayHpc.Training.Config;
using XRayHpc.Training.Metrics;
using XRayHpc.Training.Run;

namespace XRayHpc.Training.Train;

/// <summary>One member's metrics.jsonl line at a ready point, from its validation scores and its counters.</summary>
public static class RoundRecord
{
    /// <param name="trainLoss">member-wide [sum, count] since the last ready point</param>
    /// <param name="checksum">the member state's checksum (only the member root's record is sent, so other ranks pass "")</param>
    /// <param name="runSteps">the run's total steps (the learning-rate schedule's length)</param>
    public static MetricsRecord Of(ExperimentConfig config, MemberState me, long runSteps, int epoch, double timeS, double[] trainLoss, SplitScores val,
        ClassificationReport report, bool failed, Throughput throughput, string checksum) => new()
    {
        Member = me.Member, Round = me.Round, Step = me.Step, Epoch = epoch, TimeS = Math.Round(timeS, 3),
        TrainLoss = trainLoss[1] > 0 ? trainLoss[0] / trainLoss[1] : double.NaN, ValLoss = val.MeanLoss,
        MeanAuroc = report.MeanAuroc, Auroc = report.PerClassAuroc.ToDictionary(),
        Accuracy = report.Accuracy, Precision = report.Precision, Recall = report.Recall, Specificity = report.Specificity, F1 = report.F1,
        Threshold = report.Thresholds.Average(), F1AtThreshold = report.F1AtThresholds,
        Lr = me.Hp["lr"], ScheduledLr = LrSchedule.Applied(config, runSteps, me.TrialStart, me.Hp["lr"], me.Step),
        Momentum = me.Hp.GetValueOrDefault("momentum", config.Optimizer.Momentum),
        WeightDecay = me.Hp.GetValueOrDefault("weight_decay", config.Optimizer.WeightDecay), BatchSize = me.BatchSize,
        Model = me.Names.GetValueOrDefault("model"), Optimizer = me.Names.GetValueOrDefault("optimizer"),
        ImagesPerS = Math.Round(throughput.ImagesPerS, 2), AllreduceShare = Math.Round(throughput.AllreduceShare, 4),
        SkippedSteps = me.Skipped, OverflowSteps = me.Scaler != null ? me.Overflows : null, Failed = failed, Checksum = checksum,
    };
}
