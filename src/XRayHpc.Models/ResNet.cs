using XRayHpc.Torch;
using XRayHpc.Torch.nn;
using static XRayHpc.Torch.nn.functional;

namespace XRayHpc.Models;

/// <summary>
/// ResNet as in torchvision's resnet.py: stem (conv1/bn1/relu/maxpool), four stages of residual blocks,
/// global average pool, fc. Module and parameter names match torchvision so its state_dict loads as is.
/// </summary>
public sealed class ResNet : Module<Tensor, Tensor>, IConvClassifier
{
    private readonly Conv2d conv1;
    private readonly BatchNorm2d bn1;
    private readonly Sequential layer1, layer2, layer3, layer4;
    private readonly Linear fc;
    private int inplanes = 64;

    public static ResNet resnet18(int numClasses, int inChannels = 3) =>
        new(ResidualBlockKind.Basic, [2, 2, 2, 2], numClasses, inChannels);
    public static ResNet resnet34(int numClasses, int inChannels = 3) =>
        new(ResidualBlockKind.Basic, [3, 4, 6, 3], numClasses, inChannels);
    public static ResNet resnet50(int numClasses, int inChannels = 3) =>
        new(ResidualBlockKind.Bottleneck, [3, 4, 6, 3], numClasses, inChannels);

    public ResNet(ResidualBlockKind block, int[] layers, int numClasses, int inChannels = 3) : base("ResNet")
    {
        if (layers.Length != 4) throw new ArgumentException($"ResNet needs 4 stage depths, got {layers.Length}", nameof(layers));
        if (numClasses < 1) throw new ArgumentOutOfRangeException(nameof(numClasses), numClasses, "need at least one class");
        if (inChannels < 1) throw new ArgumentOutOfRangeException(nameof(inChannels), inChannels, "need at least one input channel");
        conv1 = new Conv2d(inChannels, inplanes, kernel_size: 7, stride: 2, padding: 3, bias: false);
        bn1 = new BatchNorm2d(inplanes);
        layer1 = MakeLayer(block, 64, layers[0], stride: 1);
        layer2 = MakeLayer(block, 128, layers[1], stride: 2);
        layer3 = MakeLayer(block, 256, layers[2], stride: 2);
        layer4 = MakeLayer(block, 512, layers[3], stride: 2);
        fc = new Linear(512 * Expansion(block), numClasses);
        register_module("conv1", conv1);
        register_module("bn1", bn1);
        register_module("layer1", layer1);
        register_module("layer2", layer2);
        register_module("layer3", layer3);
        register_module("layer4", layer4);
        register_module("fc", fc);
        Init.TorchvisionResNet(this);
    }

    private static int Expansion(ResidualBlockKind block) => block == ResidualBlockKind.Basic ? BasicBlock.Expansion : Bottleneck.Expansion;

    private Sequential MakeLayer(ResidualBlockKind block, int planes, int blocks, int stride)
    {
        int outChannels = planes * Expansion(block);
        Sequential? downsample = null;
        if (stride != 1 || inplanes != outChannels)
            downsample = new Sequential(
                new Conv2d(inplanes, outChannels, kernel_size: 1, stride: stride, bias: false),
                new BatchNorm2d(outChannels));
        var layers = new Sequential(Array.Empty<Module<Tensor, Tensor>>());
        for (int i = 0; i < blocks; i++)
        {
            Module<Tensor, Tensor> b = block == ResidualBlockKind.Basic
                ? new BasicBlock(inplanes, planes, i == 0 ? stride : 1, i == 0 ? downsample : null)
                : new Bottleneck(inplanes, planes, i == 0 ? stride : 1, i == 0 ? downsample : null);
            layers.append(b);
            inplanes = outChannels;
        }
        return layers;
    }

    public override Tensor forward(Tensor x)
    {
        using var scope = torch.NewDisposeScope();
        return Head(Features(x)).MoveToOuterDisposeScope();
    }

    public Tensor Features(Tensor x)
    {
        using var scope = torch.NewDisposeScope();
        var y = max_pool2d(relu_(bn1.call(conv1.call(x))), kernel_size: 3, stride: 2, padding: 1);
        return layer4.call(layer3.call(layer2.call(layer1.call(y)))).MoveToOuterDisposeScope();
    }

    public Tensor Head(Tensor features)
    {
        using var scope = torch.NewDisposeScope();
        var y = flatten(adaptive_avg_pool2d(features, 1), 1);
        return fc.call(y).MoveToOuterDisposeScope();
    }

    public Tensor PooledInput(Tensor features) => features.alias();
    public Linear Classifier => fc;
    public string FeatureLayer => "layer4";
}

public enum ResidualBlockKind { Basic, Bottleneck }
