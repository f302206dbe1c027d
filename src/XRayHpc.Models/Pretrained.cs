using System.Text.RegularExpressions;
using XRayHpc.Torch;
using XRayHpc.Torch.nn;
using XRayHpc.Torch.serialization;

namespace XRayHpc.Models;

/// <summary>
/// Initial weights from a file (safetensors or a torch.save state_dict) into one of our torchvision-named
/// models, for transfer learning. Two adaptations are allowed even with strict on, because they are what
/// every fine-tuning recipe does: a 3-channel stem into a 1-channel model (the RGB kernels of the first
/// convolution are summed, so a grey image x gives the response the RGB network gives to (x, x, x)), and a
/// head (fc / classifier) of another shape or absent (it keeps the model's fresh torchvision init).
/// Strict also refuses file keys the model lacks and model keys the file lacks; off, those are listed
/// and skipped. The returned report names every key.
/// </summary>
public static class Pretrained
{
    // torchvision's own rewrite for DenseNet weights published before the module names changed ("norm.1" -> "norm1").
    static readonly Regex OldDenseNet = new(@"^(.*denselayer\d+\.(?:norm|relu|conv))\.((?:[12])\.(?:weight|bias|running_mean|running_var))$", RegexOptions.Compiled);

    public static InitReport Load(Module model, string path, bool strict)
    {
        var (file, format) = WeightsFile.Load(path);
        try { return Apply(model, file, path, format, strict); }
        finally { foreach (var t in file.Values) t.Dispose(); }
    }

    /// <summary>The stem weight and head prefix of our models (ResNet: conv1 / fc; DenseNet: features.conv0 / classifier).</summary>
    public static (string Stem, string HeadPrefix) Layout(Module model) =>
        model.state_dict().ContainsKey("conv1.weight") ? ("conv1.weight", "fc.") : ("features.conv0.weight", "classifier.");

    public static InitReport Apply(Module model, IReadOnlyDictionary<string, Tensor> fileTensors, string path, string format, bool strict)
    {
        var report = new InitReport { File = path, Format = format };
        var file = Renamed(fileTensors, report);
        var own = model.state_dict();
        var (stem, head) = Layout(model);
        var copies = new List<(string Key, Tensor Value, bool SumChannels)>();
        var problems = new List<string>();
        foreach (var (key, dst) in own)
        {
            bool isHead = key.StartsWith(head, StringComparison.Ordinal);
            if (!file.TryGetValue(key, out var src))
            {
                if (isHead) report.Reinitialised.Add(key);
                else if (strict) problems.Add($"'{key}' is missing from the file");
                else report.Missing.Add(key);
                continue;
            }
            if (src.shape.SequenceEqual(dst.shape)) { copies.Add((key, src, false)); report.Loaded.Add(key); }
            else if (key == stem && dst.shape.Length == 4 && dst.shape[1] == 1 && src.shape.Length == 4 && src.shape[1] == 3
                     && src.shape[0] == dst.shape[0] && src.shape[2] == dst.shape[2] && src.shape[3] == dst.shape[3])
            {
                copies.Add((key, src, true));
                report.Adapted.Add($"{key} (3 -> 1 input channels: RGB kernels summed)");
            }
            else if (isHead) report.Reinitialised.Add($"{key} (file [{string.Join(",", src.shape)}], model [{string.Join(",", dst.shape)}])");
            else if (strict) problems.Add($"'{key}' has shape [{string.Join(",", src.shape)}] in the file, the model needs [{string.Join(",", dst.shape)}]");
            else { report.Ignored.Add($"{key} (shape [{string.Join(",", src.shape)}], model [{string.Join(",", dst.shape)}])"); report.Missing.Add(key); }
        }
        foreach (var key in file.Keys.Where(k => !own.ContainsKey(k)))
            if (strict) problems.Add($"'{key}' is in the file but not in the model");
            else report.Ignored.Add(key);
        if (problems.Count > 0)
            throw new InvalidDataException($"{path}: does not fit the model (model.init.strict is on; set it to false to skip these keys): {string.Join("; ", problems)}");

        using (torch.no_grad())
        using (torch.NewDisposeScope())
            foreach (var (key, src, sum) in copies)
                own[key].copy_(sum ? src.sum([1], keepdim: true) : src);
        return report;
    }

    static Dictionary<string, Tensor> Renamed(IReadOnlyDictionary<string, Tensor> file, InitReport report)
    {
        // nn.DataParallel / DistributedDataParallel checkpoints prefix every key with "module.".
        bool module = file.Count > 0 && file.Keys.All(k => k.StartsWith("module.", StringComparison.Ordinal));
        if (module) report.Renames.Add("'module.' prefix removed from every key");
        int old = 0;
        var result = new Dictionary<string, Tensor>();
        foreach (var (k0, v) in file)
        {
            var k = module ? k0["module.".Length..] : k0;
            var m = OldDenseNet.Match(k);
            if (m.Success) { k = m.Groups[1].Value + m.Groups[2].Value; old++; }
            result[k] = v;
        }
        if (old > 0) report.Renames.Add($"{old} keys from torchvision's old DenseNet names ('norm.1' -> 'norm1')");
        return result;
    }
}
