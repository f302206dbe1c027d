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
public sealed class Evaluator(ExperimentConfig config, Communicator memberComm, int classes, bool multiClass, Tensor? posWeight)
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

/// <summary>The forward pass and the two losses (softmax CE for multi-class, masked BCE with pos_weight for multi-label).</summary>
public static class Losses
{
    /// <summary>The batch as the model's input tensor: 1 or 3 channels (a view), channels-last when configured.</summary>
    public static Tensor Input(ExperimentConfig config, Batch b)
    {
        var x = torch.tensor(b.Images, [b.Count, 1, b.Height, b.Width]);
        if (config.Model.InChannels == 3) x = x.expand([b.Count, 3, b.Height, b.Width]);
        return config.Precision.ChannelsLast ? x.contiguous(MemoryFormat.ChannelsLast) : x;
    }

    public static Tensor Forward(ExperimentConfig config, MemberModel model, Tensor x)
    {
        if (config.Precision.Dtype == PrecisionKind.Bf16)
        {
            using (torch.autocast(ScalarType.BFloat16)) return model.Net.call(x).to(ScalarType.Float32);
        }
        return model.Net.call(x);
    }

    public static Tensor Forward(ExperimentConfig config, MemberModel model, Batch b) => Forward(config, model, Input(config, b));

    public static Tensor Loss(Tensor logits, Batch b, bool multiClass, Tensor? posWeight)
    {
        var labels = torch.tensor(b.Labels, [b.Count, b.Classes]);
        if (multiClass)
            return F.cross_entropy(logits, labels.argmax(1));
        var mask = torch.tensor(b.LabelMask, [b.Count, b.Classes]);
        // Masked-out (uncertain/ignored) labels weigh 0; the mean is over the labels that count.
        var perLabel = F.binary_cross_entropy_with_logits(logits, labels, mask, posWeight, XRayHpc.Torch.nn.Reduction.None);
        return perLabel.sum() / Math.Max(1.0, b.LabelMask.Sum());
    }
}
