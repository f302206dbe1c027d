namespace XRayHpc.Explain;

/// <summary>Opens the model a command names. The hook for model packages: a directory holding model.yaml.</summary>
public static class ModelSources
{
    public static IModelSource Open(string path, string checkpoint, string? cacheOverride = null)
    {
        if (File.Exists(Path.Combine(path, "model.yaml")))
            throw new NotSupportedException($"{path}: model packages are not supported by this build yet (give a run directory and --checkpoint)");
        return new RunModelSource(path, checkpoint, cacheOverride);
    }
}
