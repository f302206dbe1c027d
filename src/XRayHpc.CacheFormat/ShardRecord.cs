using System.Security.Cryptography;
using System.Text;

namespace XRayHpc.Cache;

/// <summary>
/// Sidecar written beside a finished shard (&lt;cache&gt;/.progress/&lt;split&gt;-part-NNNNN.yaml) before the
/// shard is renamed into place. A rerun keeps the shard only when the file's SHA-256 and the hash of
/// the planned metadata both match, so a changed option or a damaged file is redone, never trusted.
/// It also carries the shard's share of the statistics, so kept shards need not be decoded again.
/// </summary>
public sealed class ShardRecord
{
    public string MetadataSha256 { get; set; } = "";
    public string Sha256 { get; set; } = "";
    public long Rows { get; set; }
    public List<long> RowGroupRows { get; set; } = [];
    public long PixelCount { get; set; }
    public long PixelSum { get; set; }
    public long PixelSumSquares { get; set; }
    public List<long> Positives { get; set; } = [];
    public List<long> Negatives { get; set; } = [];
    public List<RejectRecord> Rejects { get; set; } = [];

    /// <summary>CACHE/.progress/&lt;split&gt;-&lt;shard file&gt;.yaml</summary>
    public static string PathFor(string cacheDir, string split, string shardFileName) =>
        Path.Combine(cacheDir, ".progress", $"{split}-{shardFileName}.yaml");

    public static ShardRecord? TryLoad(string path)
    {
        if (!File.Exists(path)) return null;
        try { return ManifestYaml.Deserializer.Deserialize<ShardRecord>(File.ReadAllText(path)); }
        catch (YamlDotNet.Core.YamlException) { return null; } // a torn sidecar just means "redo the shard"
    }

    public void Save(string path) => AtomicFile.WriteAllText(path, ManifestYaml.Serialize(this));

    public static string Sha256Hex(string text) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)));

    public static string FileSha256(string path)
    {
        using var s = File.OpenRead(path);
        return Convert.ToHexStringLower(SHA256.HashData(s));
    }
}
