namespace XRayHpc.Models;

/// <summary>What <see cref="Pretrained.Load"/> did with every key: the log of a transfer-learning start.</summary>
public sealed class InitReport
{
    public required string File { get; init; }
    public required string Format { get; init; }
    /// <summary>Model keys copied unchanged from the file.</summary>
    public List<string> Loaded { get; } = new();
    /// <summary>Model keys computed from the file's value (the stem: RGB kernels summed into one input channel).</summary>
    public List<string> Adapted { get; } = new();
    /// <summary>Head keys (fc / classifier) whose shape differs or that the file lacks: they keep the model's fresh init.</summary>
    public List<string> Reinitialised { get; } = new();
    /// <summary>File keys not used (not in the model, or, with strict off, of another shape).</summary>
    public List<string> Ignored { get; } = new();
    /// <summary>Non-head model keys the file does not provide (strict off only): they keep the fresh init.</summary>
    public List<string> Missing { get; } = new();
    /// <summary>How file keys were renamed before matching (a "module." prefix, torchvision's old DenseNet names).</summary>
    public List<string> Renames { get; } = new();

    /// <summary>Log lines naming every key in each group (long, but "exactly which keys" is the point).</summary>
    public IEnumerable<string> Lines()
    {
        yield return $"init from {File} ({Format}): {Loaded.Count} loaded, {Adapted.Count} adapted, {Reinitialised.Count} re-initialised, {Ignored.Count} ignored, {Missing.Count} missing";
        foreach (var r in Renames) yield return $"  renamed: {r}";
        foreach (var (name, keys) in new[] { ("adapted", Adapted), ("re-initialised", Reinitialised), ("ignored", Ignored), ("missing (kept initial)", Missing), ("loaded", Loaded) })
            if (keys.Count > 0) yield return $"  {name}: {string.Join(", ", keys)}";
    }
}
