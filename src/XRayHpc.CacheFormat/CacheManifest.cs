using YamlDotNet.Serialization;
using YamlDotNet.Serialization.NamingConventions;

namespace XRayHpc.Cache;

/// <summary>
/// Everything preprocess decided, as written to the Parquet key-value metadata of every shard
/// (key <see cref="CacheManifest.MetadataKey"/>). It holds only what is known before a shard is
/// written — a file cannot contain its own SHA-256, and the pixel mean/std need every train shard —
/// so <see cref="CacheManifest"/> (manifest.yaml) adds those once all shards are done.
/// </summary>
public class PreprocessParameters
{
    [YamlMember(Order = 0)]
    public int FormatVersion { get; set; } = 1;
    [YamlMember(Order = 1)]
    public string Dataset { get; set; } = "";
    [YamlMember(Order = 2)]
    public List<string> ClassNames { get; set; } = [];
    [YamlMember(Order = 3)]
    public int ImageSize { get; set; }
    [YamlMember(Order = 4)]
    public string Resize { get; set; } = "stretch, separable triangle filter (antialiased bilinear), 14-bit fixed point";
    [YamlMember(Order = 5)]
    public long Seed { get; set; }
    [YamlMember(Order = 6)]
    public int TargetRanks { get; set; }
    [YamlMember(Order = 7)]
    public double ValFraction { get; set; }
    [YamlMember(Order = 8)]
    public double TestFraction { get; set; }
    [YamlMember(Order = 9)]
    public string SplitPolicy { get; set; } = "patient-level; dataset test rows -> test; dataset val rows -> val (-> test when the dataset has no test set); val topped up, and test carved when the dataset has no held-out set, from train patients sorted by sha256(seed:patient_hash)";
    [YamlMember(Order = 10)]
    public string UncertaintyPolicy { get; set; } = "";
    [YamlMember(Order = 11)]
    public bool FrontalOnly { get; set; }
    [YamlMember(Order = 12)]
    public string Codec { get; set; } = "";
    [YamlMember(Order = 13)]
    public string PatientHash { get; set; } = "hmac-sha256(secret salt, raw id), first 16 hex digits; salt kept outside the cache";
    [YamlMember(Order = 14)]
    public string SaltId { get; set; } = "";
    [YamlMember(Order = 15)]
    public string CodeVersion { get; set; } = "";
    /// <summary>Planned rows per split before any --skip-bad rejection.</summary>
    [YamlMember(Order = 16)]
    public Dictionary<string, long> PlannedRows { get; set; } = [];
}

/// <summary>The per-shard metadata blob: the parameters plus where this shard sits in the plan.</summary>
public sealed class ShardMetadata : PreprocessParameters
{
    [YamlMember(Order = 50)]
    public string SplitName { get; set; } = "";
    [YamlMember(Order = 51)]
    public int ShardIndex { get; set; }
    [YamlMember(Order = 52)]
    public int FirstItem { get; set; }
    [YamlMember(Order = 53)]
    public List<int> PlannedRowGroupRows { get; set; } = [];
}

public sealed class ShardEntry
{
    public string Path { get; set; } = "";
    public long Rows { get; set; }
    public List<long> RowGroupRows { get; set; } = [];
    public string Sha256 { get; set; } = "";
}

public sealed class SplitEntry
{
    public long Rows { get; set; }
    public long Patients { get; set; }
    /// <summary>Per class: rows with the label observed (mask 1) and positive / negative.</summary>
    public List<long> Positives { get; set; } = [];
    public List<long> Negatives { get; set; } = [];
    public List<ShardEntry> Shards { get; set; } = [];
}

/// <summary>manifest.yaml: the parameters plus outcome (row counts, label counts, pixel stats, shard hashes).</summary>
public sealed class CacheManifest : PreprocessParameters
{
    public const string FileName = "manifest.yaml";
    public const string MetadataKey = "xrayhpc.manifest";

    /// <summary>Mean and std of train pixels on the 0..1 scale (what the loader normalizes with).</summary>
    [YamlMember(Order = 100)]
    public double PixelMean { get; set; }
    [YamlMember(Order = 101)]
    public double PixelStd { get; set; }
    [YamlMember(Order = 102)]
    public long Rejected { get; set; }
    [YamlMember(Order = 103)]
    public Dictionary<string, SplitEntry> Splits { get; set; } = [];

    public SplitEntry GetSplit(string name) =>
        Splits.TryGetValue(name, out var s) ? s : throw new KeyNotFoundException($"{FileName}: no split '{name}' (have: {string.Join(", ", Splits.Keys)})");

    public static CacheManifest Load(string cacheDir)
    {
        var path = Path.Combine(cacheDir, FileName);
        if (!File.Exists(path)) throw new FileNotFoundException($"{path}: no cache manifest (run `xrayhpc preprocess` first)", path);
        try { return ManifestYaml.Deserializer.Deserialize<CacheManifest>(File.ReadAllText(path)) ?? throw new InvalidDataException("empty"); }
        catch (YamlDotNet.Core.YamlException e) { throw new InvalidDataException($"{path}:{e.Start.Line}: {e.InnerException?.Message ?? e.Message}", e); }
    }

    public void Save(string cacheDir) => AtomicFile.WriteAllText(Path.Combine(cacheDir, FileName), ManifestYaml.Serialize(this));
}
