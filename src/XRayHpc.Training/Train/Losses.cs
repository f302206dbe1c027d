using XRayHpc.Loader;
using XRayHpc.Torch;
using XRayHpc.Training.Config;
using F = XRayHpc.Torch.nn.functional;
using nn = XRayHpc.Torch.nn;

namespace XRayHpc.Training.Train;

/// <summary>
/// The forward pass and the two losses (softmax CE for multi-class, masked BCE with pos_weight for multi-label),
/// in three steps a caller can time apart: the input tensor, the logits, the loss. The trainer, the evaluator and
/// the scaling bench (`xrayhpc bench scaling`) all go through here.
/// </summary>
public static class Losses
{
    /// <summary>The batch as the network's input: [n, in_channels, h, w] (grey replicated to 3 channels when asked), channels-last when asked.</summary>
    public static Tensor Input(Batch b, int inChannels, bool channelsLast)
    {
        var x = torch.tensor(b.Images, [b.Count, 1, b.Height, b.Width]);
        if (inChannels == 3) x = x.expand([b.Count, 3, b.Height, b.Width]);
        if (channelsLast) x = x.contiguous(MemoryFormat.ChannelsLast);
        return x;
    }

    /// <summary>The network's logits, under bf16 CPU autocast when asked (returned as fp32 for the loss).</summary>
    public static Tensor Logits(nn.Module<Tensor, Tensor> net, Tensor x, bool bf16)
    {
        if (bf16)
        {
            using (torch.autocast(ScalarType.BFloat16)) return net.call(x).to(ScalarType.Float32);
        }
        return net.call(x);
    }

    /// <summary>Input and logits of a batch as the experiment's model and precision settings say.</summary>
    public static Tensor Forward(ExperimentConfig config, MemberModel model, Batch b) =>
        Logits(model.Net, Input(b, config.Model.InChannels, config.Precision.ChannelsLast), config.Precision.Dtype == PrecisionKind.Bf16);

    public static Tensor Loss(Tensor logits, Batch b, bool multiClass, Tensor? posWeight)
    {
        var labels = torch.tensor(b.Labels, [b.Count, b.Classes]);
        if (multiClass)
            return F.cross_entropy(logits, labels.argmax(1));
        var mask = torch.tensor(b.LabelMask, [b.Count, b.Classes]);
        return MaskedBce(logits, labels, mask, posWeight, b.LabelMask.Sum());
    }

    /// <summary>Multi-label BCE: masked-out (uncertain/ignored) labels weigh 0; the mean is over the <paramref name="counted"/> labels that count.</summary>
    public static Tensor MaskedBce(Tensor logits, Tensor labels, Tensor mask, Tensor? posWeight, double counted)
    {
        var perLabel = F.binary_cross_entropy_with_logits(logits, labels, mask, posWeight, XRayHpc.Torch.nn.Reduction.None);
        return perLabel.sum() / Math.Max(1.0, counted);
    }
}
