using XRayHpc.Loader;
using XRayHpc.Mpi;
using XRayHpc.Torch;
using XRayHpc.Training.Config;
using F = XRayHpc.Torch.nn.functional;

namespace XRayHpc.Training.Train;

/// <summary>Scores of a whole split for one member, gathered (in rank order) onto every rank of the member.</summary>
public sealed record SplitScores(float[] Scores, float[] Labels, float[] Mask, long[] Rows, double LossSum, long Samples)
{
    public double MeanLoss => Samples == 0 ? double.NaN : LossSum / Samples;
}

/// <summary>Forward passes over val/test on the member's ranks; exact metrics need every score, so they are gathered (Allgatherv).</summary>
public sealed class Evaluator(ExperimentConfig config, Communicator memberComm, bool multiClass, Tensor? posWeight)
{
    public SplitScores Run(MemberModel model, string split)
    {
        var scores = new List<float>(); var labels = new List<float>(); var mask = new List<float>(); var rows = new List<long>();
        double lossSum = 0; long samples = 0;
        model.Net.eval();
        using (torch.no_grad())
        using (var loader = new BatchLoader(config.Data.Cache, split, memberComm.Rank, memberComm.Size, new LoaderOptions
               { BatchSize = config.Data.EvalBatchSize, Shuffle = false, Augment = false, Threads = config.Data.LoaderThreads, Prefetch = Math.Max(1, config.Data.Prefetch),
                 Normalization = Normalization.Of(config.Data) }))
        {
            foreach (var b in loader.Batches())
            {
                using var scope = torch.NewDisposeScope();
                var logits = Losses.Forward(config, model, b);
                var loss = Losses.Loss(logits, b, multiClass, posWeight);
                lossSum += loss.item<float>() * b.Count;
                samples += b.Count;
                var probs = multiClass ? F.softmax(logits, 1) : F.sigmoid(logits);
                scores.AddRange(probs.contiguous().ToArray<float>());
                labels.AddRange(b.Labels); mask.AddRange(b.LabelMask); rows.AddRange(b.RowIds);
            }
        }
        model.TrainMode();
        var sums = new[] { lossSum, samples };
        memberComm.Allreduce(sums.AsSpan(), Op.Sum);
        return new SplitScores(
            memberComm.Allgatherv<float>(scores.ToArray()).SelectMany(a => a).ToArray(),
            memberComm.Allgatherv<float>(labels.ToArray()).SelectMany(a => a).ToArray(),
            memberComm.Allgatherv<float>(mask.ToArray()).SelectMany(a => a).ToArray(),
            memberComm.Allgatherv<long>(rows.ToArray()).SelectMany(a => a).ToArray(),
            sums[0], (long)sums[1]);
    }
}
