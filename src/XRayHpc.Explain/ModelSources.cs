using XRayHpc.Training.Package;

namespace XRayHpc.Explain;

/// <summary>Opens the model a command names: a model package (a directory holding model.yaml, or that file) or a
/// run directory with a checkpoint name.</summary>
public static class ModelSources
{
    public static IModelSource Open(string path, string checkpoint, string? cacheOverride = null) =>
        ModelPackage.IsPackage(path) ? new PackageModelSource(path, cacheOverride) : new RunModelSource(path, checkpoint, cacheOverride);
}
