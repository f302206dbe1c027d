using System.CommandLine;
using System.Diagnostics;
using XRayHpc.Cache;

namespace XRayHpc.Cli.Commands;

/// <summary>
/// `xrayhpc verify CACHE`: every shard's SHA-256 against manifest.yaml, one progress line per shard.
/// Exit 0 all match · 1 a shard is missing or changed (each named) · 2 no readable manifest.
/// </summary>
public sealed class VerifyCommand : ICliCommand
{
    public int Order => 25;

    public Command Build()
    {
        var cache = new Argument<string>("cache") { Description = "Preprocessed cache directory (holds manifest.yaml)" };
        var cmd = new Command("verify", "Check every shard of a preprocessed cache against the SHA-256 in its manifest.");
        cmd.Arguments.Add(cache);
        cmd.SetAction(r => Run(Path.GetFullPath(r.GetValue(cache)!)));
        return cmd;
    }

    static int Run(string cacheDir)
    {
        CacheManifest manifest;
        try { manifest = CacheManifest.Load(cacheDir); }
        catch (Exception e) when (e is IOException or InvalidDataException)
        {
            Console.Error.WriteLine($"verify: {e.Message}");
            return ExitCodes.BadInput;
        }
        var shards = CacheVerifier.Shards(manifest);
        var bad = new List<string>();
        long bytes = 0;
        var sw = Stopwatch.StartNew();
        for (int i = 0; i < shards.Count; i++)
        {
            var s = shards[i];
            var problem = CacheVerifier.Check(cacheDir, s);
            var size = File.Exists(Path.Combine(cacheDir, s.RelativePath)) ? new FileInfo(Path.Combine(cacheDir, s.RelativePath)).Length : 0;
            bytes += size;
            Console.Error.WriteLine($"verify: [{i + 1}/{shards.Count}] {s.RelativePath} ({size / 1e6:F1} MB): {(problem == null ? "ok" : "MISMATCH")}");
            if (problem != null) bad.Add(problem);
        }
        Console.WriteLine($"verify: {shards.Count} shards, {bytes / 1e6:F1} MB in {sw.Elapsed.TotalSeconds:F1} s: " +
                          (bad.Count == 0 ? "every sha256 matches the manifest" : $"{bad.Count} bad"));
        foreach (var b in bad) Console.Error.WriteLine($"verify: {b}");
        return bad.Count == 0 ? ExitCodes.Ok : ExitCodes.Failure;
    }
}
