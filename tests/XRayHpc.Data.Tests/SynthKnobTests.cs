using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;
using Xunit;

namespace XRayHpc.Data.Tests;

/// <summary>The difficulty knobs and presets of `xrayhpc synth`: defaults unchanged, presets byte-stable, label noise and
/// distractor markers confined to the training split.</summary>
public class SynthKnobTests
{
    static Dictionary<string, string> Hashes(string root) =>
        Directory.EnumerateFiles(root, "*", SearchOption.AllDirectories)
            .ToDictionary(f => Path.GetRelativePath(root, f), f => Convert.ToHexString(SHA256.HashData(File.ReadAllBytes(f))));

    /// <summary>Default output pinned to what synth wrote before the knobs existed (measured with that build): the CSV and
    /// every decoded pixel of a small NIH set, so a codec's compression choices cannot move it. If the generator or the
    /// renderer is changed on purpose, update the digest and say so — every dataset built from a seed changes with it.</summary>
    [Fact]
    public void Synth_Defaults_DrawThePinnedPixelsAndLabels()
    {
        using var tmp = new TempDir();
        var r = Synth.Generate(new SynthOptions { Layout = "nih", OutputDir = tmp["d"], Count = 12, Size = 48, Seed = 5 });
        var root = r.Roots["nih"];
        using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        sha.AppendData(File.ReadAllBytes(Path.Combine(root, XRayHpc.Data.Adapters.NihAdapter.CsvName)));
        foreach (var item in DatasetAdapters.Open("nih", root).Enumerate().OrderBy(i => i.ImagePath, StringComparer.Ordinal))
            sha.AppendData(ImageDecoder.Decode(item.ImagePath).Pixels);
        Assert.Equal(PinnedDefaultDigest, Convert.ToHexString(sha.GetHashAndReset()));
    }

    // Computed from files the pre-knob build wrote, decoded by torchvision (an independent PNG decoder).
    const string PinnedDefaultDigest = "1D7B2852D7F266B98FBBD6DCBD2CF1465BB5A8AEC63EFCFE60F04C1803027B94";

    [Fact]
    public void Synth_BenchmarkPreset_SameSeedByteIdenticalFiles_OtherSeedDiffers()
    {
        using var tmp = new TempDir();
        // The preset with fewer images: every knob it sets is exercised, only the count is cut for test time.
        SynthOptions Opts(string dir, long seed) => SynthPresets.Get("benchmark") with { OutputDir = tmp[dir], Count = 48, Seed = seed };
        Synth.Generate(Opts("a", 3));
        Synth.Generate(Opts("b", 3));
        Synth.Generate(Opts("c", 4));
        var a = Hashes(tmp["a"]);
        Assert.Equal(48, a.Count);
        Assert.Equal(a, Hashes(tmp["b"]));
        var c = Hashes(tmp["c"]);
        Assert.True(a.Count(kv => c.TryGetValue(kv.Key, out var h) && h == kv.Value) < a.Count / 2);
        Assert.Throws<ArgumentException>(() => SynthPresets.Get("hard"));
    }

    /// <summary>Label noise flips about its share of training patients and leaves val/ and test/ byte-identical to the
    /// noise-free run (held-out labels stay true).</summary>
    [Fact]
    public void Synth_LabelNoise_FlipsTrainingLabelsOnly()
    {
        using var tmp = new TempDir();
        SynthOptions Opts(string dir, double noise) => new()
        {
            Layout = "chestxray2017", OutputDir = tmp[dir], Count = 400, Size = 32, Seed = 8, Prevalence = 0.5,
            ImagesPerPatient = 1, ValFraction = 0.2, TestFraction = 0.2, LabelNoise = noise,
        };
        Synth.Generate(Opts("clean", 0));
        Synth.Generate(Opts("noisy", 0.3));
        foreach (var split in new[] { "val", "test" })
            Assert.Equal(Hashes(Path.Combine(tmp["clean"], split)), Hashes(Path.Combine(tmp["noisy"], split)));
        var clean = PatientLabels(Path.Combine(tmp["clean"], "train"));
        var noisy = PatientLabels(Path.Combine(tmp["noisy"], "train"));
        Assert.Equal(clean.Keys.Order(), noisy.Keys.Order());
        double flipped = clean.Count(kv => noisy[kv.Key] != kv.Value) / (double)clean.Count;
        Assert.True(clean.Count > 150 && flipped is > 0.18 and < 0.42, $"{clean.Count} training patients, {flipped:P0} flipped");
    }

    /// <summary>With correlation 1 every training image carries the marker exactly when it is labelled abnormal; in val
    /// and test the marker appears on both classes.</summary>
    [Fact]
    public void Synth_Distractor_MarksTheLabelInTrainingOnly()
    {
        using var tmp = new TempDir();
        const int size = 64;
        var r = Synth.Generate(new SynthOptions
        {
            Layout = "chestxray2017", OutputDir = tmp["d"], Count = 240, Size = size, Seed = 4, Prevalence = 0.5,
            ValFraction = 0.25, TestFraction = 0.25, DistractorCorrelation = 1.0,
        });
        var items = DatasetAdapters.Open("chestxray2017", r.Roots["chestxray2017"]).Enumerate().ToList();
        // The marker sits in an upper corner outside the body, where an unmarked film is near black.
        bool Marked(string path)
        {
            var px = ImageDecoder.Decode(path).Pixels;
            double Corner(int x0) => Enumerable.Range((int)(0.06 * size), (int)(0.08 * size))
                .SelectMany(y => Enumerable.Range(x0, (int)(0.06 * size)).Select(x => (double)px[y * size + x])).Average();
            return Math.Max(Corner((int)(0.07 * size)), Corner((int)(0.85 * size))) > 100;
        }
        var train = items.Where(i => i.OriginalSplit == "train").ToList();
        var heldOut = items.Where(i => i.OriginalSplit != "train").ToList();
        Assert.True(train.Count > 60 && heldOut.Count > 60);
        Assert.All(train, i => Assert.Equal(i.Labels[0] == 1, Marked(i.ImagePath)));
        var marks = heldOut.Select(i => (Abnormal: i.Labels[0] == 1, Marked: Marked(i.ImagePath))).ToList();
        Assert.Contains((true, false), marks);
        Assert.Contains((false, true), marks);
        Assert.Contains((true, true), marks);
    }

    /// <summary>Film knobs change pixels only: the label CSV is the default run's, and noise raises the spread of the
    /// (uniform) background outside the body.</summary>
    [Fact]
    public void Synth_FilmKnobs_ChangePixelsNotLabels()
    {
        using var tmp = new TempDir();
        const int size = 64;
        SynthOptions Opts(string dir) => new() { Layout = "nih", OutputDir = tmp[dir], Count = 16, Size = size, Seed = 6, ImagesPerPatient = 1 };
        var plain = Synth.Generate(Opts("plain"));
        var hard = Synth.Generate(Opts("hard") with { FilmNoise = 4, ExposureVariation = 1, FindingContrast = 0.5, FindingSize = 0.5 });
        string Csv(SynthResult s) => File.ReadAllText(Path.Combine(s.Roots["nih"], XRayHpc.Data.Adapters.NihAdapter.CsvName));
        Assert.Equal(Csv(plain), Csv(hard));
        double BackgroundSpread(SynthResult s) => DatasetAdapters.Open("nih", s.Roots["nih"]).Enumerate().Average(i =>
        {
            var px = ImageDecoder.Decode(i.ImagePath).Pixels;
            var corner = Enumerable.Range(size - 6, 5).SelectMany(y => Enumerable.Range(0, 5).Select(x => (double)px[y * size + x])).ToList();
            double m = corner.Average();
            return Math.Sqrt(corner.Average(v => (v - m) * (v - m)));
        });
        Assert.True(BackgroundSpread(hard) > 2 * BackgroundSpread(plain), $"{BackgroundSpread(hard):0.0} vs {BackgroundSpread(plain):0.0}");
    }

    [Fact]
    public void Synth_RejectsBadKnobs()
    {
        SynthOptions Ok(string layout) => new() { Layout = layout, OutputDir = "x" };
        Assert.Throws<ArgumentException>(() => Synth.Generate(Ok("chexpert") with { LabelNoise = 0.1 }));
        Assert.Throws<ArgumentException>(() => Synth.Generate(Ok("rsna") with { DistractorCorrelation = 0.5 }));
        Assert.Throws<ArgumentException>(() => Synth.Generate(Ok("nih") with { ValFraction = 0.2 }));
        Assert.Throws<ArgumentException>(() => Synth.Generate(Ok("chestxray2017") with { ValFraction = 0.6, TestFraction = 0.4 }));
        Assert.Throws<ArgumentException>(() => Synth.Generate(Ok("chestxray2017") with { LabelNoise = 0.7 }));
        Assert.Throws<ArgumentException>(() => Synth.Generate(Ok("nih") with { FindingContrast = double.NaN }));
        Assert.Throws<ArgumentException>(() => Synth.Generate(Ok("nih") with { FilmNoise = -1 }));
    }

    static readonly Regex PatientNumber = new(@"^(?:person(\d+)_|(?:NORMAL2-)?IM-(\d+)-)", RegexOptions.Compiled);

    /// <summary>Patient number → labelled abnormal, from a ChestXRay2017 split folder's file names.</summary>
    static Dictionary<int, bool> PatientLabels(string splitDir) =>
        new[] { "NORMAL", "PNEUMONIA" }.SelectMany(folder => Directory.GetFiles(Path.Combine(splitDir, folder)).Select(f =>
        {
            var m = PatientNumber.Match(Path.GetFileName(f));
            Assert.True(m.Success, f);
            return (Patient: int.Parse(m.Groups[1].Success ? m.Groups[1].Value : m.Groups[2].Value), Abnormal: folder == "PNEUMONIA");
        })).GroupBy(x => x.Patient).ToDictionary(g => g.Key, g => g.First().Abnormal);
}
