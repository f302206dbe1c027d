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
    /// <summary>The batch as the network's input on <paramref name="device"/>: [n, in_channels, h, w] (grey replicated to 3
    /// channels when asked), channels-last when asked.</summary>
    public static Tensor Input(Batch b, int inChannels, bool channelsLast, Device? device = null)
    {
        var x = ToDevice(torch.tensor(b.Images, [b.Count, 1, b.Height, b.Width]), device);
        if (inChannels == 3) x = x.expand([b.Count, 3, b.Height, b.Width]); // after the copy: one channel crosses the bus
        if (channelsLast) x = x.contiguous(MemoryFormat.ChannelsLast);
        return x;
    }

    /// <summary>A host tensor on <paramref name="device"/>: on a GPU through page-locked memory, a copy that does not
    /// block the host (the next kernel on the stream waits for it); unchanged on the CPU.</summary>
    public static Tensor ToDevice(Tensor host, Device? device) =>
        device is { type: DeviceType.CUDA } d ? host.pin_memory().to_async(d) : host;

    /// <summary>The network's logits, under autocast to <paramref name="autocast"/> on x's device when given (returned as fp32 for the loss).</summary>
    public static Tensor Logits(nn.Module<Tensor, Tensor> net, Tensor x, ScalarType? autocast)
    {
        if (autocast is { } dtype)
        {
            using (torch.autocast(dtype, x.device)) return net.call(x).to(ScalarType.Float32);
        }
        return net.call(x);
    }

    /// <summary>Input and logits of a batch as the experiment's model and precision settings say, on the model's device.</summary>
    public static Tensor Forward(ExperimentConfig config, MemberModel model, Batch b) =>
        Logits(model.Net, Input(b, config.Model.InChannels, config.Precision.ChannelsLast, model.Device), TrainDevice.Autocast(config.Precision.Dtype, model.Device));

    /// <summary>The batch's loss; labels and mask go to the logits' device.</summary>
    public static Tensor Loss(Tensor logits, Batch b, bool multiClass, Tensor? posWeight)
    {
        var device = logits.device;
        var labels = ToDevice(torch.tensor(b.Labels, [b.Count, b.Classes]), device);
        if (multiClass)
            return F.cross_entropy(logits, labels.argmax(1));
        var mask = ToDevice(torch.tensor(b.LabelMask, [b.Count, b.Classes]), device);
        return MaskedBce(logits, labels, mask, posWeight, b.LabelMask.Sum());
    }

    /// <summary>Multi-label BCE: masked-out (uncertain/ignored) labels weigh 0; the mean is over the <paramref name="counted"/> labels that count.</summary>
    public static Tensor MaskedBce(Tensor logits, Tensor labels, Tensor mask, Tensor? posWeight, double counted)
    {
        var perLabel = F.binary_cross_entropy_with_logits(logits, labels, mask, posWeight, XRayHpc.Torch.nn.Reduction.None);
        return perLabel.sum() / Math.Max(1.0, counted);
    }
}
