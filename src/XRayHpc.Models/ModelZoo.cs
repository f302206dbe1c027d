using XRayHpc.Torch;
using XRayHpc.Torch.nn;

namespace XRayHpc.Models;

/// <summary>Model registry by name (the `model:` key of an experiment config).</summary>
public static class ModelZoo
{
    public static readonly IReadOnlyList<string> Names = ["resnet18", "resnet34", "resnet50", "densenet121"];

    public static Module<Tensor, Tensor> Create(string name, int numClasses, int inChannels = 3) => name switch
    {
        "resnet18" => ResNet.resnet18(numClasses, inChannels),
        "resnet34" => ResNet.resnet34(numClasses, inChannels),
        "resnet50" => ResNet.resnet50(numClasses, inChannels),
        "densenet121" => DenseNet.densenet121(numClasses, inChannels),
        _ => throw new ArgumentException($"unknown model '{name}' (known: {string.Join(", ", Names)})", nameof(name)),
    };
}
