using XRayHpc.Data;
using XRayHpc.Loader;
using XRayHpc.Models;
using XRayHpc.Torch;
using nn = XRayHpc.Torch.nn;
using F = XRayHpc.Torch.nn.functional;

namespace XRayHpc.Explain;

/// <summary>
/// A model loaded once for inference: eval mode, parameters without gradients (explanations differentiate only
/// the feature map), and the exact input path of `evaluate`/`predict` — decoded 8-bit grey, the cache's resize to
/// its image size, the cache's mean/std — so a served or explained image scores like the same image in a cache.
/// Forward passes may run on several threads at once (the weights are only read).
/// </summary>
public sealed class InferenceModel : IDisposable
{
    public ModelCard Card { get; }
    public nn.Module<Tensor, Tensor> Net { get; }
    public IConvClassifier Conv { get; }
    readonly ImageTransform _normalise;

    public InferenceModel(IModelSource source)
    {
        Card = source.Card;
        Net = ModelZoo.Create(Card.Architecture, Card.ClassNames.Count, Card.InChannels);
        Conv = Net as IConvClassifier ?? throw new NotSupportedException($"{Card.Architecture}: no convolutional stage to explain");
        var (weights, _) = Safetensors.Load(source.WeightsPath);
        try { using (torch.no_grad()) Net.load_state_dict(weights); }
        finally { foreach (var t in weights.Values) t.Dispose(); }
        foreach (var p in Net.parameters()) p.requires_grad = false;
        if (Card.ChannelsLast) Net.to(MemoryFormat.ChannelsLast);
        Net.eval();
        _normalise = new ImageTransform(Card.ImageSize, Card.ImageSize, Card.PixelMean, Card.PixelStd, new AugmentOptions());
    }

    public int ImageSize => Card.ImageSize;

    /// <summary>Decoded image → the cache's 8-bit S×S pixels (same resize as preprocess).</summary>
    public byte[] Resize(GrayImage img) =>
        img.Width == ImageSize && img.Height == ImageSize ? img.Pixels
            : ImageResize.Resize(img.Pixels, img.Width, img.Height, ImageSize, ImageSize);

    /// <summary>S×S 8-bit pixels → normalised floats written into <paramref name="dst"/> (S² values).</summary>
    public void Normalise(ReadOnlySpan<byte> pixels, Span<float> dst) => _normalise.Apply(pixels, dst, augment: false, 0);

    /// <summary>N normalised images (N·S² floats) → the network's input tensor, laid out as training feeds it.</summary>
    public Tensor Input(float[] images, int count)
    {
        var x = torch.tensor(images, [count, 1, ImageSize, ImageSize]);
        if (Card.InChannels == 3) x = x.expand([count, 3, ImageSize, ImageSize]);
        if (Card.ChannelsLast) x = x.contiguous(MemoryFormat.ChannelsLast);
        return x;
    }

    /// <summary>Class probabilities (N × classes, row-major): softmax for multi-class, sigmoid for multi-label,
    /// computed as the evaluator computes them (bf16 autocast when the run trained in bf16).</summary>
    public float[] Predict(float[] images, int count)
    {
        using var scope = torch.NewDisposeScope();
        using var _ = torch.no_grad();
        var x = Input(images, count);
        Tensor logits;
        if (Card.Bf16) { using (torch.autocast(ScalarType.BFloat16)) logits = Net.call(x).to(ScalarType.Float32); }
        else logits = Net.call(x);
        return Probabilities(logits);
    }

    public float[] Probabilities(Tensor logits)
    {
        using var scope = torch.NewDisposeScope();
        var p = Card.MultiClass ? F.softmax(logits, 1) : F.sigmoid(logits);
        return p.contiguous().ToArray<float>();
    }

    /// <summary>Probabilities from logits already copied out (a CAM pass returns them).</summary>
    public float[] Probabilities(float[] logits, int count)
    {
        using var scope = torch.NewDisposeScope();
        return Probabilities(torch.tensor(logits, [count, Card.ClassNames.Count]));
    }

    public CamMaps Cam(float[] images, int count, int cls, CamMethod method)
    {
        using var scope = torch.NewDisposeScope();
        return GradCam.Compute(Conv, Input(images, count), cls, method);
    }

    public void Dispose() => Net.Dispose();
}
