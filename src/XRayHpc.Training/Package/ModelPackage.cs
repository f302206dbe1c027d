using System.Security.Cryptography;
using XRayHpc.Models;
using XRayHpc.Torch;
using XRayHpc.Training.Config;
using YamlDotNet.Serialization;
using YamlDotNet.Serialization.NamingConventions;
using nn = XRayHpc.Torch.nn;

namespace XRayHpc.Training.Package;

/// <summary>
/// A model to ship: one directory with `model.safetensors` (torchvision-named weights), `model.yaml` (what a
/// user or a server needs to run it: architecture, input channels, image size, normalisation, class names,
/// per-class decision thresholds chosen on validation, provenance and the metrics it was selected with) and
/// `config.yaml` (the training run's resolved config, so `evaluate` scores it exactly as training did).
/// Written by `xrayhpc select`; read by `evaluate`, `predict` and anything that serves a model:
/// <code>
/// var pkg = ModelPackage.Load("pkg");            // checks the weights' SHA-256 against model.yaml
/// using var net = pkg.CreateNetwork();          // eval mode, weights loaded, on CPU
/// // input: N x InChannels x ImageSize x ImageSize, pixel/255 then (x - Mean) / Std; sigmoid (multilabel) or softmax (multiclass)
/// </code>
/// </summary>
public sealed class ModelPackage
{
    public const string FormatName = "xrayhpc-model-package/1";
    public const string ManifestFile = "model.yaml", WeightsFile = "model.safetensors", ConfigFile = "config.yaml";

    /// <summary>The package directory.</summary>
    public string Dir { get; private set; } = "";
    public PackageManifest Manifest { get; private set; } = new();

    public string Architecture => Manifest.Architecture;
    public int InChannels => Manifest.InChannels;
    public int ImageSize => Manifest.ImageSize;
    public double Mean => Manifest.Normalization.Mean;
    public double Std => Manifest.Normalization.Std;
    public IReadOnlyList<string> ClassNames => Manifest.ClassNames;
    /// <summary>Per-class decision threshold on the class probability, in class order.</summary>
    public IReadOnlyList<double> Thresholds => Manifest.ClassNames.Select(c => Manifest.Thresholds[c]).ToList();
    public bool MultiClass => Manifest.Task == "multiclass";
    public string WeightsPath => Path.Combine(Dir, WeightsFile);
    public string ConfigPath => Path.Combine(Dir, ConfigFile);

    /// <summary>True when <paramref name="path"/> is a package directory (or its model.yaml).</summary>
    public static bool IsPackage(string path) =>
        File.Exists(Path.Combine(path, ManifestFile)) || (Path.GetFileName(path) == ManifestFile && File.Exists(path));

    /// <summary>Reads model.yaml and verifies model.safetensors against its recorded SHA-256.</summary>
    public static ModelPackage Load(string path)
    {
        var dir = Path.GetFileName(path) == ManifestFile ? Path.GetDirectoryName(Path.GetFullPath(path))! : path;
        var manifestPath = Path.Combine(dir, ManifestFile);
        PackageManifest manifest;
        try
        {
            manifest = new DeserializerBuilder().WithNamingConvention(UnderscoredNamingConvention.Instance).Build()
                .Deserialize<PackageManifest>(File.ReadAllText(manifestPath)) ?? throw new InvalidDataException("empty");
        }
        catch (YamlDotNet.Core.YamlException e) { throw new InvalidDataException($"{manifestPath}: {e.Message}"); }
        if (manifest.Format != FormatName) throw new InvalidDataException($"{manifestPath}: format '{manifest.Format}', expected {FormatName}");
        if (manifest.ClassNames.Count == 0 || manifest.ClassNames.Any(c => !manifest.Thresholds.ContainsKey(c)))
            throw new InvalidDataException($"{manifestPath}: every class needs a threshold");
        var pkg = new ModelPackage { Dir = dir, Manifest = manifest };
        var sum = Sha256(pkg.WeightsPath);
        if (sum != manifest.Provenance.WeightsSha256)
            throw new InvalidDataException($"{pkg.WeightsPath}: SHA-256 {sum} differs from {manifest.Provenance.WeightsSha256} recorded in {ManifestFile}");
        return pkg;
    }

    /// <summary>The network with the package's weights, in eval mode (caller disposes).</summary>
    public nn.Module<Tensor, Tensor> CreateNetwork()
    {
        var net = ModelZoo.Create(Architecture, ClassNames.Count, InChannels);
        var (weights, _) = Safetensors.Load(WeightsPath);
        try { using (torch.no_grad()) net.load_state_dict(weights); }
        finally { foreach (var t in weights.Values) t.Dispose(); }
        net.eval();
        return net;
    }

    /// <summary>The training run's config, with another cache when given (what evaluate/predict run with).</summary>
    /// <summary>The run's config with model.name set to the package's architecture (a member of a categorical
    /// search trained another architecture than the run's model.name).</summary>
    public ExperimentConfig LoadConfig(string? cacheOverride)
    {
        var config = ConfigLoader.LoadFile(ConfigPath, cacheOverride != null ? [$"data.cache={cacheOverride}"] : null);
        config.Model.Name = Manifest.Architecture;
        return config;
    }

    /// <summary>Writes a package: copies the weights and the config, then model.yaml last (its presence marks a complete package).</summary>
    public static ModelPackage Write(string dir, string weightsSource, string configSource, PackageManifest manifest)
    {
        Directory.CreateDirectory(dir);
        File.Delete(Path.Combine(dir, ManifestFile));
        File.Copy(weightsSource, Path.Combine(dir, WeightsFile), overwrite: true);
        File.Copy(configSource, Path.Combine(dir, ConfigFile), overwrite: true);
        manifest.Format = FormatName;
        manifest.Provenance.WeightsSha256 = Sha256(Path.Combine(dir, WeightsFile));
        var yaml = new SerializerBuilder().WithNamingConvention(UnderscoredNamingConvention.Instance).Build().Serialize(manifest);
        var tmp = Path.Combine(dir, ManifestFile + ".tmp");
        File.WriteAllText(tmp, yaml);
        File.Move(tmp, Path.Combine(dir, ManifestFile), overwrite: true);
        return Load(dir);
    }

    public static string Sha256(string path)
    {
        using var f = File.OpenRead(path);
        return Convert.ToHexStringLower(SHA256.HashData(f));
    }
}
