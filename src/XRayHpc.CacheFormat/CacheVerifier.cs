namespace XRayHpc.Cache;

/// <summary>
/// Checks shards against the SHA-256 that manifest.yaml recorded when preprocess wrote them: a whole-file check
/// that catches what page CRCs cannot (a shard replaced, truncated or edited between pages). Used by
/// `xrayhpc verify` and by training with `data.verify: full`.
/// </summary>
public static class CacheVerifier
{
    public sealed record Shard(string Split, string RelativePath, string ExpectedSha256);

    /// <summary>Every shard of every split, in manifest order.</summary>
    public static IReadOnlyList<Shard> Shards(CacheManifest manifest) =>
        manifest.Splits.SelectMany(s => s.Value.Shards.Select(sh => new Shard(s.Key, sh.Path, sh.Sha256))).ToList();

    /// <summary>Null when the shard's bytes hash to what the manifest says, else what is wrong (naming the file).</summary>
    public static string? Check(string cacheDir, Shard shard)
    {
        var path = Path.Combine(cacheDir, shard.RelativePath);
        if (!File.Exists(path)) return $"{path}: shard listed in {CacheManifest.FileName} ({shard.Split} split) is missing";
        if (string.IsNullOrEmpty(shard.ExpectedSha256)) return $"{path}: {CacheManifest.FileName} records no sha256 for it";
        var actual = ShardRecord.FileSha256(path);
        return string.Equals(actual, shard.ExpectedSha256, StringComparison.OrdinalIgnoreCase) ? null
            : $"{path}: sha256 {actual} does not match {shard.ExpectedSha256} in {CacheManifest.FileName}: the shard changed after preprocess (corrupt or replaced)";
    }
}
