using XRayHpc.Torch;
using XRayHpc.Torch.nn;
using static XRayHpc.Torch.nn.functional;

namespace XRayHpc.Models;

/// <summary>Two 3×3 convolutions with a shortcut (ResNet-18/34). torchvision's BasicBlock.</summary>
public sealed class BasicBlock : Module<Tensor, Tensor>
{
    public const int Expansion = 1;
    private readonly Conv2d conv1, conv2;
    private readonly BatchNorm2d bn1, bn2;
    private readonly Sequential? downsample;

    public BasicBlock(int inplanes, int planes, int stride = 1, Sequential? downsample = null) : base("BasicBlock")
    {
        conv1 = new Conv2d(inplanes, planes, kernel_size: 3, stride: stride, padding: 1, bias: false);
        bn1 = new BatchNorm2d(planes);
        conv2 = new Conv2d(planes, planes, kernel_size: 3, stride: 1, padding: 1, bias: false);
        bn2 = new BatchNorm2d(planes);
        this.downsample = downsample;
        register_module("conv1", conv1);
        register_module("bn1", bn1);
        register_module("conv2", conv2);
        register_module("bn2", bn2);
        if (downsample is not null) register_module("downsample", downsample);
    }

    public override Tensor forward(Tensor x)
    {
        using var scope = torch.NewDisposeScope();
        var y = relu_(bn1.call(conv1.call(x)));
        y = bn2.call(conv2.call(y));
        var identity = downsample is null ? x : downsample.call(x);
        y.add_(identity);
        return relu_(y).MoveToOuterDisposeScope();
    }
}

/// <summary>1×1 reduce, 3×3 (carries the stride, "ResNet v1.5"), 1×1 expand ×4 (ResNet-50). torchvision's Bottleneck.</summary>
public sealed class Bottleneck : Module<Tensor, Tensor>
{
    public const int Expansion = 4;
    private readonly Conv2d conv1, conv2, conv3;
    private readonly BatchNorm2d bn1, bn2, bn3;
    private readonly Sequential? downsample;

    public Bottleneck(int inplanes, int planes, int stride = 1, Sequential? downsample = null) : base("Bottleneck")
    {
        int width = planes;
        conv1 = new Conv2d(inplanes, width, kernel_size: 1, bias: false);
        bn1 = new BatchNorm2d(width);
        conv2 = new Conv2d(width, width, kernel_size: 3, stride: stride, padding: 1, bias: false);
        bn2 = new BatchNorm2d(width);
        conv3 = new Conv2d(width, planes * Expansion, kernel_size: 1, bias: false);
        bn3 = new BatchNorm2d(planes * Expansion);
        this.downsample = downsample;
        register_module("conv1", conv1);
        register_module("bn1", bn1);
        register_module("conv2", conv2);
        register_module("bn2", bn2);
        register_module("conv3", conv3);
        register_module("bn3", bn3);
        if (downsample is not null) register_module("downsample", downsample);
    }

    public override Tensor forward(Tensor x)
    {
        using var scope = torch.NewDisposeScope();
        var y = relu_(bn1.call(conv1.call(x)));
        y = relu_(bn2.call(conv2.call(y)));
        y = bn3.call(conv3.call(y));
        var identity = downsample is null ? x : downsample.call(x);
        y.add_(identity);
        return relu_(y).MoveToOuterDisposeScope();
    }
}
