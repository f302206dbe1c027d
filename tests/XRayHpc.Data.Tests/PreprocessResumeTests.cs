using System.Diagnostics;
using XRayHpc.Cache;
using Xunit;

namespace XRayHpc.Data.Tests;

[Collection("synth")]
public class PreprocessResumeTests(SynthDatasetsFixture fx)
{
    /// <summary>
    /// The CLI is killed as soon as its first shard is in place; a rerun must finish the job and leave
    /// shards, manifest and rejects byte-identical to an uninterrupted run (so: nothing time- or
    /// order-dependent is written, and finished shards are kept rather than half-redone).
    /// </summary>
    [Fact]
    public void Killed_midway_then_rerun_is_byte_identical_to_an_uninterrupted_run()
    {
        var raw = Path.Combine(fx.Dir, "resume-raw");
        var roots = Synth.Generate(new SynthOptions { Layout = "chestxray2017", OutputDir = raw, Count = 120, Size = 384, Seed = 4 }).Roots;
        // One row per shard and one thread: many small shards, so the kill lands between them.
        string[] Args(string output) => CacheReadback.CliArgs(
            fx.Options("chestxray2017", roots["chestxray2017"], output) with { Threads = 1, MaxRowsPerGroup = 1, RowGroupsPerShard = 1 });

        var reference = fx.NewDir("resume-ref");
        var (code, err) = CacheReadback.RunCli(Args(reference));
        Assert.True(code == 0, err);

        var killed = fx.NewDir("resume-killed");
        var firstShard = Path.Combine(killed, "train", "part-00000.parquet");
        using (var p = Process.Start(CacheReadback.Cli(Args(killed)))!)
        {
            _ = p.StandardError.ReadToEndAsync();
            _ = p.StandardOutput.ReadToEndAsync();
            var sw = Stopwatch.StartNew();
            while (!File.Exists(firstShard) && !p.HasExited && sw.Elapsed < TimeSpan.FromSeconds(60)) Thread.Sleep(2); // poll, leaving the core to the child
            Assert.True(File.Exists(firstShard), "the first shard never appeared");
            Assert.False(p.HasExited, "preprocess finished before it could be killed midway");
            p.Kill(entireProcessTree: true);
            Assert.True(p.WaitForExit(60_000), "killed preprocess did not exit within 60 s");
        }
        Assert.False(File.Exists(Path.Combine(killed, CacheManifest.FileName)));
        int shardsAtKill = Directory.EnumerateFiles(Path.Combine(killed, "train"), "part-*.parquet").Count();

        (code, err) = CacheReadback.RunCli(Args(killed));
        Assert.True(code == 0, err);
        Assert.Matches(@"(\d+) kept", err);
        int keptReported = int.Parse(System.Text.RegularExpressions.Regex.Match(err, @"(\d+) kept").Groups[1].Value);
        Assert.True(keptReported >= 1 && keptReported >= shardsAtKill - 1, $"rerun kept {keptReported} shards, {shardsAtKill} existed at the kill");

        var refFiles = OutputFiles(reference);
        var gotFiles = OutputFiles(killed);
        Assert.Equal(refFiles.Keys.Order(), gotFiles.Keys.Order());
        Assert.True(refFiles.Count > 100);
        foreach (var (rel, bytes) in refFiles) Assert.True(bytes.AsSpan().SequenceEqual(gotFiles[rel]), $"{rel} differs");
        Assert.Empty(Directory.EnumerateFiles(killed, "*.partial", SearchOption.AllDirectories));
    }

    static Dictionary<string, byte[]> OutputFiles(string dir) =>
        Directory.EnumerateFiles(dir, "*", SearchOption.AllDirectories)
            .Where(f => !f.Contains($"{Path.DirectorySeparatorChar}logs{Path.DirectorySeparatorChar}"))
            .ToDictionary(f => Path.GetRelativePath(dir, f), File.ReadAllBytes);
}
