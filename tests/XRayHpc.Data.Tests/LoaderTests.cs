using XRayHpc.Cache;
using XRayHpc.Loader;
using Xunit;

namespace XRayHpc.Data.Tests;

/// <summary>Caches built once for the loader tests (small row groups so 2 and 3 ranks get several each).</summary>
public sealed class LoaderCachesFixture
{
    public string Nih { get; }
    public string Kermany { get; }
    public string CheXpertIgnore { get; }

    public LoaderCachesFixture(SynthDatasetsFixture fx)
    {
        PreprocessOptions Small(string layout) => fx.Options(layout, fx.Roots[layout], fx.NewDir($"loader-{layout}")) with { MaxRowsPerGroup = 3, TargetRanks = 2 };
        Nih = Small("nih").OutputDir; Preprocessor.Run(Small("nih") with { OutputDir = Nih });
        Kermany = Small("chestxray2017").OutputDir; Preprocessor.Run(Small("chestxray2017") with { OutputDir = Kermany });
        CheXpertIgnore = Small("chexpert").OutputDir; Preprocessor.Run(Small("chexpert") with { OutputDir = CheXpertIgnore, Uncertainty = UncertaintyPolicy.Ignore });
    }
}

[Collection("synth")]
public class LoaderTests(SynthDatasetsFixture fx)
{
    public sealed class Caches
    {
        LoaderCachesFixture? _c;
        public LoaderCachesFixture Get(SynthDatasetsFixture fx) { lock (this) return _c ??= new LoaderCachesFixture(fx); }
    }

    // xunit gives class fixtures no access to collection fixtures, so the caches are built lazily on first use.
    static readonly Caches Shared = new();
    LoaderCachesFixture C => Shared.Get(fx);

    static List<Batch> Epoch(string cache, string split, int rank, int world, LoaderOptions o)
    {
        using var l = new BatchLoader(cache, split, rank, world, o);
        var batches = l.Batches().ToList();
        Assert.Equal(l.BatchesPerEpoch, batches.Count);
        return batches;
    }

    [Theory]
    [InlineData(1, 0)]
    [InlineData(2, 0)]
    [InlineData(2, 1)]
    [InlineData(3, 0)]
    [InlineData(3, 5)]
    public void Ranks_together_read_every_row_of_the_split_exactly_once(int world, int epoch)
    {
        var cached = CacheReadback.ReadAll(C.Nih).Where(r => r.Split == "train").ToList();
        var m = CacheManifest.Load(C.Nih);
        var o = new LoaderOptions { BatchSize = 4, Epoch = epoch, Seed = 9 };
        var seen = new List<long>();
        var perRank = new List<int>();
        for (int rank = 0; rank < world; rank++)
        {
            var batches = Epoch(C.Nih, "train", rank, world, o);
            perRank.Add(batches.Sum(b => b.Count));
            foreach (var b in batches)
                for (int i = 0; i < b.Count; i++)
                {
                    long id = b.RowIds[i];
                    seen.Add(id);
                    // The sample really is that row: labels and (unaugmented) normalized pixels.
                    Assert.Equal(cached[(int)id].Labels, b.Labels.AsSpan(i * b.Classes, b.Classes).ToArray());
                    int px = b.Height * b.Width;
                    for (int k = 0; k < px; k += 97)
                        Assert.Equal((float)((cached[(int)id].Image[k] / 255f - (float)m.PixelMean) * (float)(1 / m.PixelStd)), b.Images[i * px + k], 4);
                }
        }
        Assert.Equal(Enumerable.Range(0, cached.Count).Select(i => (long)i), seen.Order());
        Assert.Equal(BatchLoader.BatchCounts(C.Nih, "train", world, o), Enumerable.Range(0, world).Select(r => Epoch(C.Nih, "train", r, world, o).Count));
        if (world > 1) Assert.True(perRank.Max() - perRank.Min() <= (cached.Count + 2) / 3, $"unbalanced ranks: {string.Join(",", perRank)}");
    }

    [Fact]
    public void Augmented_batches_are_identical_for_any_thread_count_and_change_with_epoch()
    {
        var o = new LoaderOptions { BatchSize = 5, Epoch = 2, Seed = 3, Augment = true, Threads = 1, Prefetch = 2 };
        var one = Epoch(C.Nih, "train", 1, 2, o);
        var three = Epoch(C.Nih, "train", 1, 2, o with { Threads = 3, Prefetch = 5 });
        var again = Epoch(C.Nih, "train", 1, 2, o with { Threads = 2, Prefetch = 1 });
        Assert.Equal(one.Count, three.Count);
        for (int b = 0; b < one.Count; b++)
        {
            Assert.Equal(one[b].RowIds, three[b].RowIds);
            Assert.Equal(one[b].Images, three[b].Images);
            Assert.Equal(one[b].Images, again[b].Images);
            Assert.Equal(one[b].Labels, three[b].Labels);
        }
        var next = Epoch(C.Nih, "train", 1, 2, o with { Epoch = 3 });
        Assert.NotEqual(one.SelectMany(b => b.RowIds), next.SelectMany(b => b.RowIds));
        var plain = Epoch(C.Nih, "train", 1, 2, o with { Augment = false });
        Assert.Equal(one.SelectMany(b => b.RowIds), plain.SelectMany(b => b.RowIds));
        // Augmentation moves pixels but keeps the image: different, finite, still strongly correlated.
        var a = one[0].Images; var p = plain[0].Images;
        Assert.NotEqual(a, p);
        Assert.All(a, v => Assert.True(float.IsFinite(v)));
        Assert.True(Correlation(a, p) > 0.5, $"augmented vs plain correlation {Correlation(a, p):F2}");
    }

    [Fact]
    public void Balanced_oversampling_draws_positives_and_negatives_equally_often()
    {
        var m = CacheManifest.Load(C.Kermany);
        double natural = (double)m.Splits["train"].Positives[0] / m.Splits["train"].Rows;
        long pos = 0, total = 0;
        bool duplicates = false;
        for (int epoch = 0; epoch < 30; epoch++)
        {
            var batches = Epoch(C.Kermany, "train", 0, 1, new LoaderOptions { BatchSize = 8, Epoch = epoch, Balanced = true, ShuffleWindowRowGroups = 100 });
            var ids = batches.SelectMany(b => b.RowIds).ToList();
            duplicates |= ids.Distinct().Count() < ids.Count;
            Assert.Equal(m.Splits["train"].Rows, ids.Count);
            pos += batches.Sum(b => (long)b.Labels.Count(v => v >= 0.5f));
            total += ids.Count;
        }
        Assert.True(duplicates);
        double frac = (double)pos / total;
        Assert.True(Math.Abs(frac - 0.5) < 0.08, $"balanced positive fraction {frac:F3} (natural {natural:F3})");
    }

    [Fact]
    public void Pos_weight_is_negatives_over_positives_among_observed_labels()
    {
        var rows = CacheReadback.ReadAll(C.CheXpertIgnore).Where(r => r.Split == "train").ToList();
        Assert.Contains(rows, r => r.Mask.Any(v => v == 0)); // the ignore policy masked something
        var w = LabelStats.PosWeight(C.CheXpertIgnore, "train");
        for (int c = 0; c < w.Length; c++)
        {
            int p = rows.Count(r => r.Mask[c] > 0 && r.Labels[c] >= 0.5f), n = rows.Count(r => r.Mask[c] > 0 && r.Labels[c] < 0.5f);
            Assert.Equal(p == 0 ? 1f : (float)n / p, w[c], 5);
        }
    }

    [Fact]
    public void Loader_images_are_normalized_with_the_manifest_statistics()
    {
        var all = Epoch(C.Nih, "train", 0, 1, new LoaderOptions { BatchSize = 16 }).SelectMany(b => b.Images).ToArray();
        double mean = all.Average(v => (double)v), std = Math.Sqrt(all.Average(v => (v - mean) * (v - mean)));
        Assert.InRange(mean, -1e-3, 1e-3); // the manifest mean/std are of exactly this split
        Assert.InRange(std, 0.999, 1.001);
    }

    static double Correlation(float[] a, float[] b)
    {
        double ma = a.Average(v => (double)v), mb = b.Average(v => (double)v), sab = 0, saa = 0, sbb = 0;
        for (int i = 0; i < a.Length; i++) { sab += (a[i] - ma) * (b[i] - mb); saa += (a[i] - ma) * (a[i] - ma); sbb += (b[i] - mb) * (b[i] - mb); }
        return sab / Math.Sqrt(saa * sbb);
    }
}
