using XRayHpc.Torch;
using XRayHpc.Torch.nn;
using static XRayHpc.Torch.nn.functional;

namespace XRayHpc.Models;

/// <summary>
/// DenseNet-BC as in torchvision's densenet.py: `features` (conv0/norm0/relu0/pool0, dense blocks with
/// transitions between them, norm5), then relu, global average pool and `classifier`.
/// </summary>
public sealed class DenseNet : Module<Tensor, Tensor>, IConvClassifier
{
    private readonly Sequential features;
    private readonly Linear classifier;

    public static DenseNet densenet121(int numClasses, int inChannels = 3) =>
        new(growthRate: 32, blockConfig: [6, 12, 24, 16], numInitFeatures: 64, bnSize: 4, dropRate: 0,
            numClasses: numClasses, inChannels: inChannels);

    public DenseNet(int growthRate, int[] blockConfig, int numInitFeatures, int bnSize, double dropRate,
                    int numClasses, int inChannels = 3) : base("DenseNet")
    {
        if (numClasses < 1) throw new ArgumentOutOfRangeException(nameof(numClasses), numClasses, "need at least one class");
        if (inChannels < 1) throw new ArgumentOutOfRangeException(nameof(inChannels), inChannels, "need at least one input channel");
        features = new Sequential(
            ("conv0", new Conv2d(inChannels, numInitFeatures, kernel_size: 7, stride: 2, padding: 3, bias: false)),
            ("norm0", new BatchNorm2d(numInitFeatures)),
            ("relu0", new ReLU(inplace: true)),
            ("pool0", new MaxPool2d(kernel_size: 3, stride: 2, padding: 1)));
        int numFeatures = numInitFeatures;
        for (int i = 0; i < blockConfig.Length; i++)
        {
            features.append($"denseblock{i + 1}", new DenseBlock(blockConfig[i], numFeatures, bnSize, growthRate, dropRate));
            numFeatures += blockConfig[i] * growthRate;
            if (i != blockConfig.Length - 1)
            {
                features.append($"transition{i + 1}", new Transition(numFeatures, numFeatures / 2));
                numFeatures /= 2;
            }
        }
        features.append("norm5", new BatchNorm2d(numFeatures));
        classifier = new Linear(numFeatures, numClasses);
        register_module("features", features);
        register_module("classifier", classifier);
        Init.TorchvisionDenseNet(this);
    }

    public override Tensor forward(Tensor x)
    {
        using var scope = torch.NewDisposeScope();
        return Head(Features(x)).MoveToOuterDisposeScope();
    }

    public Tensor Features(Tensor x) => features.call(x);

    /// <summary>ReLU (out of place: the feature map may be a leaf whose gradient an explanation needs), pool, classifier.</summary>
    public Tensor Head(Tensor features)
    {
        using var scope = torch.NewDisposeScope();
        var y = flatten(adaptive_avg_pool2d(PooledInput(features), 1), 1);
        return classifier.call(y).MoveToOuterDisposeScope();
    }

    public Tensor PooledInput(Tensor features) => relu(features);
    public Linear Classifier => classifier;
    public string FeatureLayer => "features";
}

/// <summary>BN-ReLU-1×1 conv (bottleneck to bnSize·k channels), BN-ReLU-3×3 conv to k new channels.</summary>
public sealed class DenseLayer : Module<IReadOnlyList<Tensor>, Tensor>
{
    private readonly BatchNorm2d norm1, norm2;
    private readonly Conv2d conv1, conv2;
    private readonly double dropRate;

    public DenseLayer(int numInputFeatures, int growthRate, int bnSize, double dropRate) : base("_DenseLayer")
    {
        norm1 = new BatchNorm2d(numInputFeatures);
        conv1 = new Conv2d(numInputFeatures, bnSize * growthRate, kernel_size: 1, stride: 1, bias: false);
        norm2 = new BatchNorm2d(bnSize * growthRate);
        conv2 = new Conv2d(bnSize * growthRate, growthRate, kernel_size: 3, stride: 1, padding: 1, bias: false);
        this.dropRate = dropRate;
        register_module("norm1", norm1);
        register_module("conv1", conv1);
        register_module("norm2", norm2);
        register_module("conv2", conv2);
    }

    /// <summary>Takes every earlier feature map of the block; they are concatenated on channels first.</summary>
    public override Tensor forward(IReadOnlyList<Tensor> previousFeatures)
    {
        using var scope = torch.NewDisposeScope();
        var concatenated = torch.cat(previousFeatures.ToArray(), 1);
        var bottleneck = conv1.call(relu_(norm1.call(concatenated)));
        var y = conv2.call(relu_(norm2.call(bottleneck)));
        if (dropRate > 0) y = dropout(y, dropRate, training);
        return y.MoveToOuterDisposeScope();
    }
}

/// <summary>numLayers dense layers, each seeing the concatenation of the block input and all earlier outputs.</summary>
public sealed class DenseBlock : Module<Tensor, Tensor>
{
    private readonly List<DenseLayer> layers = [];

    public DenseBlock(int numLayers, int numInputFeatures, int bnSize, int growthRate, double dropRate) : base("_DenseBlock")
    {
        for (int i = 0; i < numLayers; i++)
        {
            var layer = new DenseLayer(numInputFeatures + i * growthRate, growthRate, bnSize, dropRate);
            layers.Add(layer);
            register_module($"denselayer{i + 1}", layer);
        }
    }

    public override Tensor forward(Tensor x)
    {
        using var scope = torch.NewDisposeScope();
        var features = new List<Tensor>(layers.Count + 1) { x };
        foreach (var layer in layers) features.Add(layer.call(features));
        return torch.cat(features.ToArray(), 1).MoveToOuterDisposeScope();
    }
}

/// <summary>BN-ReLU-1×1 conv halving the channels, then 2×2 average pooling.</summary>
public sealed class Transition : Module<Tensor, Tensor>
{
    private readonly BatchNorm2d norm;
    private readonly Conv2d conv;

    public Transition(int numInputFeatures, int numOutputFeatures) : base("_Transition")
    {
        norm = new BatchNorm2d(numInputFeatures);
        conv = new Conv2d(numInputFeatures, numOutputFeatures, kernel_size: 1, stride: 1, bias: false);
        register_module("norm", norm);
        register_module("conv", conv);
    }

    public override Tensor forward(Tensor x)
    {
        using var scope = torch.NewDisposeScope();
        var y = conv.call(relu_(norm.call(x)));
        return avg_pool2d(y, kernel_size: 2, stride: 2).MoveToOuterDisposeScope();
    }
}
