namespace XRayHpc.Explain;

/// <summary>
/// Where a model for `cam` / `serve` comes from. Today a run directory plus a checkpoint name
/// (<see cref="RunModelSource"/>); a model package (model.safetensors + model.yaml) plugs in as another
/// implementation that reads its card from model.yaml. <see cref="ModelSources.Open"/> chooses by what the path holds.
/// </summary>
public interface IModelSource
{
    ModelCard Card { get; }
    /// <summary>Our safetensors file with the network's state_dict (torchvision names).</summary>
    string WeightsPath { get; }
    /// <summary>The cache the model was trained on when known (cam over a split needs it); null for a bare package.</summary>
    string? CacheDir { get; }
}
