namespace XRayHpc.Torch.serialization;

/// <summary>
/// Loads a weights file whatever its format, by its first bytes: safetensors (ours or exported from
/// torchvision) or a `torch.save` state_dict (zip or legacy, through the restricted <see cref="PthReader"/>).
/// </summary>
public static class WeightsFile
{
    /// <summary>The tensors in file order (CPU, contiguous) and the format's name ("safetensors", "pth").</summary>
    public static (OrderedDictionary<string, Tensor> Tensors, string Format) Load(string path)
    {
        var head = new byte[8];
        int n;
        using (var f = File.OpenRead(path)) n = f.ReadAtLeast(head, head.Length, throwOnEndOfStream: false);
        if (PthReader.LooksLikePth(head.AsSpan(0, n))) return (PthReader.Load(path), "pth");
        var (tensors, _) = Safetensors.Load(path);
        var ordered = new OrderedDictionary<string, Tensor>();
        foreach (var (k, v) in tensors) ordered[k] = v;
        return (ordered, "safetensors");
    }
}
