using XRayHpc.Torch;
using XRayHpc.Training.Config;
using nn = XRayHpc.Torch.nn;

namespace XRayHpc.Training.Train;

/// <summary>
/// `model.freeze`: which stages of the network do not train. Frozen parameters get requires_grad = false
/// (so no gradients, no place in the optimizer, no gradient bucket in DataParallel, which buckets only
/// trainable parameters), and their BatchNorm layers stay in eval mode, so their running statistics are
/// used, never updated: a frozen stage is bit-identical after training.
/// Stages are the network's top-level blocks in forward order (ResNet: conv1, bn1, relu, maxpool,
/// layer1..layer4; DenseNet: the children of `features`: conv0, norm0, relu0, pool0, denseblock1,
/// transition1, ..., denseblock4, norm5). The head (fc / classifier) never freezes.
/// </summary>
public sealed class Freezing
{
    static readonly string[] ResNetStages = ["conv1", "bn1", "relu", "maxpool", "layer1", "layer2", "layer3", "layer4"];
    static readonly string[] DenseNetStages = ["conv0", "norm0", "relu0", "pool0", "denseblock1", "transition1", "denseblock2", "transition2",
                                               "denseblock3", "transition3", "denseblock4", "norm5"];

    readonly List<nn.Module> _frozenBatchNorms;

    /// <summary>Names of the parameters that do not train.</summary>
    public IReadOnlyList<string> FrozenParameters { get; }

    Freezing(List<string> parameters, List<nn.Module> batchNorms) { FrozenParameters = parameters; _frozenBatchNorms = batchNorms; }

    /// <summary>The freezable stage names of a model (for config validation and `through:`).</summary>
    public static IReadOnlyList<string> Stages(string modelName) => modelName.StartsWith("densenet") ? DenseNetStages : ResNetStages;

    public static string HeadPrefix(string modelName) => modelName.StartsWith("densenet") ? "classifier." : "fc.";

    public static Freezing Apply(nn.Module net, FreezeConfig config, string modelName)
    {
        var mode = config.Effective;
        if (mode == FreezeMode.None) return new Freezing([], []);
        var stages = Stages(modelName);
        int last = mode == FreezeMode.Backbone ? stages.Count - 1 : IndexOf(stages, config.Through, modelName);
        var parent = modelName.StartsWith("densenet") ? net.named_children().First(c => c.name == "features").module : net;
        var byName = parent.named_children().ToDictionary(c => c.name, c => c.module);
        var batchNorms = new List<nn.Module>();
        var frozen = new HashSet<nn.Parameter>(ReferenceEqualityComparer.Instance);
        for (int i = 0; i <= last; i++)
        {
            // Parameterless stages (relu, pooling) may be plain functions rather than registered modules.
            if (!byName.TryGetValue(stages[i], out var stage)) continue;
            foreach (var p in stage.parameters()) { p.requires_grad = false; frozen.Add(p); }
            batchNorms.AddRange(stage.modules().Where(m => m is nn.BatchNorm2d));
        }
        return new Freezing(net.named_parameters().Where(x => frozen.Contains(x.parameter)).Select(x => x.name).ToList(), batchNorms);
    }

    static int IndexOf(IReadOnlyList<string> stages, string name, string model)
    {
        var bare = name.StartsWith("features.") ? name["features.".Length..] : name;
        for (int i = 0; i < stages.Count; i++) if (stages[i] == bare) return i;
        throw new ArgumentException($"model.freeze.through: '{name}' is not a stage of {model} ({string.Join(", ", stages)})");
    }

    /// <summary>net.train(), then the frozen stages' BatchNorm layers back to eval mode.</summary>
    public void TrainMode(nn.Module net)
    {
        net.train();
        foreach (var bn in _frozenBatchNorms) bn.eval();
    }
}
