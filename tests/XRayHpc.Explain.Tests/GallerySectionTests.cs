using System.Text.Json;
using XRayHpc.Data.Decoders;
using XRayHpc.Report;

namespace XRayHpc.Explain.Tests;

/// <summary>The report shows what `cam --gallery` left in the run directory, and nothing when it left nothing.</summary>
public class GallerySectionTests
{
    [Fact]
    public void Report_embeds_the_gallery_pngs_per_class()
    {
        var run = Oracle.TempDir("gallery");
        try
        {
            var doc = new Document("t");
            CamGallerySection.Add(doc, run);
            Assert.Empty(doc.Blocks);

            Directory.CreateDirectory(Path.Combine(run, "cam-gallery", "Mass"));
            var png = PngEncoder.EncodeRgb8(new byte[8 * 6 * 3], 8, 6);
            File.WriteAllBytes(Path.Combine(run, "cam-gallery", "Mass", "TP-row3.Mass.png"), png);
            var index = new
            {
                split = "test", method = "grad-cam", model = "run member-0/step-00000010",
                entries = new[] { new GalleryEntry("Mass", "TP", 3, 0.91, 0.5, "cam-gallery/Mass/TP-row3.Mass.png") },
            };
            File.WriteAllText(Path.Combine(run, CamGallerySection.Index), JsonSerializer.Serialize(index));
            CamGallerySection.Add(doc, run);
            var chart = Assert.Single(doc.Charts);
            Assert.Contains("Mass", chart.Caption);
            Assert.Contains("data:image/png;base64," + Convert.ToBase64String(png), chart.Svg);
            Assert.Contains("p=0.910", chart.Svg);
            Assert.Contains("none in the test split", chart.Svg); // no FP / FN recorded
        }
        finally { Directory.Delete(run, recursive: true); }
    }
}
