using System.Diagnostics;
using System.Text.Json;
using NLog;
using XRayHpc.Checkpoint;
using XRayHpc.Mpi;
using XRayHpc.Training.Config;
using XRayHpc.Training.Metrics;
using XRayHpc.Training.Run;

namespace XRayHpc.Training.Train;

/// <summary>
/// The end of a run: the best member (by its last validation score) evaluates the test split; its root writes
/// predictions.csv and summary.json; world rank 0 prints the summary table.
/// </summary>
public sealed class FinalEvaluation(ExperimentConfig config, Communicator world, Communicator memberComm, Population population,
    RunLayout run, CheckpointStore store, IReadOnlyList<string> classes, bool multiClass, int threads, Logger log)
{
    /// <param name="lastSaved">the step of the last checkpoint set on disk (null: none)</param>
    /// <param name="unsaved">why the run failed to save its checkpoints (null: it did not)</param>
    public void Run(Evaluator evaluator, MemberState me, PopulationScores scores, Throughput throughput, PhaseClock phases, Stopwatch clock, long total, long? lastSaved, string? unsaved, ITrainingProgress progress)
    {
        int best = scores.Best();
        var imgs = new[] { throughput.TotalImages, throughput.TotalSeconds, throughput.TotalAllreduceSeconds };
        world.Allreduce(imgs.AsSpan(), Op.Sum);
        double imagesPerS = imgs[1] > 0 ? imgs[0] / (imgs[1] / world.Size) : 0;
        double allreduceShare = imgs[1] > 0 ? imgs[2] / imgs[1] : 0;
        var phaseTotals = phases.Totals(); // seconds per phase, averaged over the world's ranks
        world.Allreduce(phaseTotals.AsSpan(), Op.Sum);
        for (int i = 0; i < phaseTotals.Length; i++) phaseTotals[i] /= world.Size;
        // Each rank's device, so a user sees what the run used (ranks of one node on different GPUs).
        var devices = world.Allgatherv<byte>(System.Text.Encoding.UTF8.GetBytes(me.Device.ToString())).Select(System.Text.Encoding.UTF8.GetString).ToList();
        string summaryJson = "";
        if (me.Member == best)
        {
            var test = evaluator.Run(me.Model, "test");
            var report = ClassificationMetrics.Compute(test.Scores, test.Labels, test.Mask, classes, multiClass);
            if (memberComm.Rank == 0)
            {
                PredictionsCsv.Write(run.Predictions, best, test, classes);
                // The metrics below are of the best member's final model: they name the checkpoint holding it, and
                // are left out (null) when that model never reached the disk (a failed final checkpoint).
                bool onDisk = !config.Checkpoint.Enabled || lastSaved == total;
                var summary = new Dictionary<string, object?>
                {
                    ["best_member"] = best, ["hyperparameters"] = me.Hp,
                    ["checkpoint"] = !config.Checkpoint.Enabled || !onDisk ? null : $"member-{best}/{CheckpointStore.StepName(total)}",
                    ["best_checkpoint"] = config.Checkpoint.Enabled && store.ReadBest() is { } bc ? $"member-{bc.Member}/{CheckpointStore.StepName(bc.Step)}" : null,
                    ["checkpoint_error"] = unsaved,
                    ["val_mean_auroc"] = onDisk ? scores.LastScore(best) : null,
                    ["test_mean_auroc"] = onDisk ? report.MeanAuroc : null, ["auroc"] = onDisk ? report.PerClassAuroc : null,
                    ["test_accuracy"] = onDisk ? report.Accuracy : null, ["test_f1"] = onDisk ? report.F1 : null,
                    ["images_per_s"] = Math.Round(imagesPerS, 2), ["allreduce_share"] = Math.Round(allreduceShare, 4), ["phase_s"] = PhaseClock.Named(phaseTotals), ["wall_s"] = Math.Round(clock.Elapsed.TotalSeconds, 2),
                    ["ranks"] = world.Size, ["threads"] = threads, ["model"] = me.Model.Architecture,
                    ["precision"] = config.Precision.Dtype.ToString().ToLowerInvariant(), ["population"] = population.Members,
                    ["devices"] = devices, ["skipped_steps"] = me.Skipped,
                    ["final_checksum"] = me.Model.Checksum(),
                };
                if (me.Scaler != null) summary["overflow_steps"] = me.Overflows; // as in metrics.jsonl: only when the loss is scaled
                // Tuned categorical values by name (model, optimizer); absent when none are tuned.
                if (me.Names.Count > 0) summary["names"] = me.Names;
                summaryJson = JsonSerializer.Serialize(summary, new JsonSerializerOptions { WriteIndented = true, Converters = { new UndefinedAsNull() } });
                File.WriteAllText(run.Summary, summaryJson);
            }
        }
        summaryJson = world.BcastString(summaryJson, population.RootOf(best));
        if (world.Rank == 0) progress.Summary(summaryJson);
        log.Info($"done: best member {best}");
    }
}
