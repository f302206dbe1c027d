using XRayHpc.Data;

namespace XRayHpc.Explain.Tests;

/// <summary>The synthetic generator's region masks: where it drew the heart and the lesions, without changing any pixel.</summary>
public class SynthRegionTests
{
    [Theory]
    [InlineData("Cardiomegaly")]
    [InlineData("Pneumonia")]
    [InlineData("Nodule")]
    public void Recording_regions_leaves_the_pixels_unchanged(string label)
    {
        var plain = SynthSample.Render(128, 7, 3, [label], recordRegions: false);
        var recorded = SynthSample.Render(128, 7, 3, [label]);
        Assert.Empty(plain.Regions);
        Assert.Equal(plain.Pixels, recorded.Pixels);
        Assert.Contains(recorded.Regions[label], v => v);
    }

    [Fact]
    public void Heart_mask_is_a_central_lower_blob_and_larger_with_cardiomegaly()
    {
        var sick = SynthSample.Render(128, 11, 0, ["Cardiomegaly"]);
        var heart = sick.Regions["Cardiomegaly"];
        double area = heart.Count(m => m) / (double)heart.Length;
        Assert.InRange(area, 0.03, 0.25);
        var (cx, cy) = Centroid(heart, 128);
        Assert.InRange(cx, 0.4, 0.75);
        Assert.InRange(cy, 0.5, 0.8);
        // The film is brighter inside the heart than in the lungs beside it.
        double inside = Mean(sick.Pixels, heart, true), outside = Mean(sick.Pixels, heart, false);
        Assert.True(inside > outside + 20, $"heart {inside:F0} vs rest {outside:F0}");
    }

    [Theory]
    [InlineData("Pneumonia")]
    [InlineData("Mass")]
    [InlineData("Lung Opacity")]
    public void Lesion_mask_marks_pixels_the_lesion_changed(string label)
    {
        var s = SynthSample.Render(128, 5, 2, [label]);
        var m = s.Regions[label];
        int n = m.Count(v => v);
        Assert.True(n > 10, $"{label}: only {n} pixels recorded");
        Assert.True(n < m.Length / 4, $"{label}: {n} pixels is not a local lesion");
    }

    [Fact]
    public void Synth_generate_output_is_unchanged_by_region_support()
    {
        // `xrayhpc synth` never asks for regions; two generations still agree byte for byte (the region code reads
        // pixels only when asked, and draws no random numbers).
        var root = Oracle.TempDir("synth");
        try
        {
            var a = Synth.Generate(new SynthOptions { Layout = "nih", OutputDir = Path.Combine(root, "a"), Count = 6, Size = 64, Seed = 3 });
            var b = Synth.Generate(new SynthOptions { Layout = "nih", OutputDir = Path.Combine(root, "b"), Count = 6, Size = 64, Seed = 3 });
            var fa = Directory.GetFiles(a.Roots["nih"], "*.png", SearchOption.AllDirectories).Order().ToList();
            var fb = Directory.GetFiles(b.Roots["nih"], "*.png", SearchOption.AllDirectories).Order().ToList();
            Assert.Equal(6, fa.Count);
            for (int i = 0; i < fa.Count; i++) Assert.Equal(File.ReadAllBytes(fa[i]), File.ReadAllBytes(fb[i]));
        }
        finally { Directory.Delete(root, recursive: true); }
    }

    static (double X, double Y) Centroid(bool[] m, int n)
    {
        double sx = 0, sy = 0; int c = 0;
        for (int i = 0; i < m.Length; i++) if (m[i]) { sx += (i % n + 0.5) / n; sy += (i / n + 0.5) / n; c++; }
        return (sx / c, sy / c);
    }

    static double Mean(byte[] px, bool[] m, bool inside)
    {
        double s = 0; int c = 0;
        for (int i = 0; i < px.Length; i++) if (m[i] == inside) { s += px[i]; c++; }
        return s / c;
    }
}
