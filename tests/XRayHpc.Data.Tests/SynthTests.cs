using System.Security.Cryptography;
using System.Text;
using XRayHpc.Data.Dicom;
using Xunit;

namespace XRayHpc.Data.Tests;

public class SynthTests(AdapterSynthFixture fx) : IClassFixture<AdapterSynthFixture>
{
    static Dictionary<string, string> Hashes(string root) =>
        Directory.EnumerateFiles(root, "*", SearchOption.AllDirectories)
            .ToDictionary(f => Path.GetRelativePath(root, f), f => Convert.ToHexString(SHA256.HashData(File.ReadAllBytes(f))));

    [Fact]
    public void Synth_SameSeed_ByteIdenticalFiles_OtherSeedDiffers()
    {
        using var tmp = new TempDir();
        SynthOptions Opts(string dir, long seed) => new() { Layout = "all", OutputDir = tmp[dir], Count = 14, Size = 48, Seed = seed, Prevalence = 0.5, ImagesPerPatient = 2 };
        Synth.Generate(Opts("a", 42));
        Synth.Generate(Opts("b", 42));
        Synth.Generate(Opts("c", 43));
        var a = Hashes(tmp["a"]);
        Assert.Equal(a, Hashes(tmp["b"]));
        var c = Hashes(tmp["c"]);
        Assert.NotEqual(a, c);
        Assert.True(a.Count(kv => c.TryGetValue(kv.Key, out var h) && h == kv.Value) < a.Count / 2);
    }

    [Fact]
    public void Synth_EachLayoutHasCountImagesAndDecodes()
    {
        foreach (var (layout, root) in fx.Result.Roots)
        {
            Assert.Equal(AdapterSynthFixture.Count, fx.Result.ImageCounts[layout]);
            var items = DatasetAdapters.Open(layout, root, new AdapterOptions { FrontalOnly = false }).Enumerate().ToList();
            Assert.Equal(AdapterSynthFixture.Count, items.Count);
            var img = ImageDecoder.Decode(items[^1].ImagePath);
            Assert.Equal((96, 96), (img.Width, img.Height));
            Assert.True(img.Pixels.Max() - img.Pixels.Min() > 100, $"{layout}: image has no contrast");
        }
    }

    [Fact]
    public void Synth_RsnaDicomCarriesFakePhiMatchingTheCsv()
    {
        var root = fx.Result.Roots["rsna"];
        var item = DatasetAdapters.Open("rsna", root).Enumerate().First();
        var ds = DicomDataset.Parse(File.ReadAllBytes(item.ImagePath), item.ImagePath);
        Assert.Equal(TransferSyntaxes.ExplicitVrLittleEndian, ds.TransferSyntax);
        Assert.Equal(item.PatientId, ds.GetString(DicomTags.PatientId));
        Assert.Matches(@"^[A-Z]+\^[A-Z]+$", ds.GetString(DicomTags.PatientName)!);
        Assert.Matches(@"^(19|20)\d{6}$", ds.GetString(DicomTags.PatientBirthDate)!);
        // dcmtk reads our writer's output and finds the same PHI (the file is valid DICOM, not just ours).
        var dump = Encoding.ASCII.GetString(RefTool.Run("/usr/bin/dcmdump", "+P", "0010,0010", "+P", "0010,0020", item.ImagePath));
        Assert.Contains(ds.GetString(DicomTags.PatientName)!, dump);
        Assert.Contains(item.PatientId, dump);
    }

    [Fact]
    public void Synth_CheXpertCsvHasUncertainAndBlankValues()
    {
        var csv = File.ReadAllLines(Path.Combine(fx.Result.Roots["chexpert"], "CheXpert-v1.0-small", "train.csv"));
        var cells = csv.Skip(1).SelectMany(l => l.Split(',').Skip(5)).ToList();
        Assert.Contains("-1.0", cells);
        Assert.Contains("", cells);
        Assert.Contains("1.0", cells);
        Assert.Contains("0.0", cells);
    }

    /// <summary>Labels agree with the pixels: what the CSV calls a finding is drawn where its sign belongs.</summary>
    [Fact]
    public void Synth_FindingsAreVisibleWhereLabelled()
    {
        using var tmp = new TempDir();
        const int n = 64, size = 128;
        // Pneumonia: brighter (opaque) lung fields than normal images.
        var cx = Synth.Generate(new SynthOptions { Layout = "chestxray2017", OutputDir = tmp["cx"], Count = n, Size = size, Seed = 9, Prevalence = 0.5, ImagesPerPatient = 1 });
        var items = DatasetAdapters.Open("chestxray2017", cx.Roots["chestxray2017"]).Enumerate().ToList();
        double LungMean(GrayImage g, double y0, double y1) =>
            Enumerable.Range((int)(y0 * size), (int)((y1 - y0) * size)).SelectMany(y =>
                Enumerable.Range((int)(0.26 * size), (int)(0.12 * size)).Concat(Enumerable.Range((int)(0.62 * size), (int)(0.12 * size)))
                    .Select(x => (double)g.Pixels[y * size + x])).Average();
        var pos = items.Where(i => i.Labels[0] == 1).Select(i => LungMean(ImageDecoder.Decode(i.ImagePath), 0.3, 0.75)).ToList();
        var neg = items.Where(i => i.Labels[0] == 0).Select(i => LungMean(ImageDecoder.Decode(i.ImagePath), 0.3, 0.75)).ToList();
        Assert.True(pos.Count > 10 && neg.Count > 10);
        Assert.True(pos.Average() > neg.Average() + 3, $"pneumonia lung mean {pos.Average():0.0} vs normal {neg.Average():0.0}");

        // Cardiomegaly (NIH): the bright cardiac silhouette is wider at heart level.
        var nih = Synth.Generate(new SynthOptions { Layout = "nih", OutputDir = tmp["nih"], Count = 200, Size = size, Seed = 9, Prevalence = 0.6, ImagesPerPatient = 1 });
        var a = DatasetAdapters.Open("nih", nih.Roots["nih"]);
        int cardio = a.ClassNames.ToList().IndexOf("Cardiomegaly");
        double HeartWidth(GrayImage g)
        {
            int y = (int)(0.68 * size);
            var row = Enumerable.Range(0, size).Select(x => (double)g.Pixels[y * size + x]).ToArray();
            double threshold = row.Skip(size / 4).Take(size / 2).Min() + 0.6 * (row.Max() - row.Skip(size / 4).Take(size / 2).Min());
            return Enumerable.Range(size / 4, size / 2).Count(x => row[x] > threshold);
        }
        var withC = a.Enumerate().Where(i => i.Labels[cardio] == 1 && i.Labels.Sum() == 1).Select(i => HeartWidth(ImageDecoder.Decode(i.ImagePath))).ToList();
        var normal = a.Enumerate().Where(i => i.Labels.Sum() == 0).Select(i => HeartWidth(ImageDecoder.Decode(i.ImagePath))).ToList();
        Assert.True(withC.Count >= 3 && normal.Count >= 20, $"{withC.Count} cardiomegaly, {normal.Count} normal");
        Assert.True(withC.Average() > normal.Average() * 1.2, $"heart width {withC.Average():0.0} px vs normal {normal.Average():0.0} px");
    }

    /// <summary>Tricky encodings (16-bit PNG, MONOCHROME1, 12-bit windowed and JPEG-baseline DICOM) carry
    /// the same labels and decode to the same pixels as the plain run.</summary>
    [Fact]
    public void Synth_TrickyEncodings_DecodeToThePlainPixels()
    {
        using var tmp = new TempDir();
        SynthOptions Opts(string dir, bool tricky) => new() { Layout = "all", OutputDir = tmp[dir], Count = 12, Size = 64, Seed = 5, Prevalence = 0.5, Tricky = tricky };
        var plain = Synth.Generate(Opts("plain", false));
        var tricky = Synth.Generate(Opts("tricky", true));
        var formats = new HashSet<string>();
        foreach (var layout in new[] { "nih", "rsna" })
        {
            var a = DatasetAdapters.Open(layout, plain.Roots[layout]).Enumerate().ToList();
            var b = DatasetAdapters.Open(layout, tricky.Roots[layout]).Enumerate().ToList();
            Assert.Equal(a.Select(i => string.Join(",", i.Labels)), b.Select(i => string.Join(",", i.Labels)));
            for (int k = 0; k < a.Count; k++)
            {
                var pa = ImageDecoder.Decode(a[k].ImagePath).Pixels;
                var pb = ImageDecoder.Decode(b[k].ImagePath).Pixels;
                string kind = layout == "nih" ? $"png{PngDepth(b[k].ImagePath)}"
                    : DicomDataset.Parse(File.ReadAllBytes(b[k].ImagePath), "x") is var ds ? $"{ds.TransferSyntax}/{ds.GetString(DicomTags.Photometric)}/{ds.GetUShort(DicomTags.BitsStored)}" : "";
                formats.Add(kind);
                double mad = pa.Zip(pb).Average(p => Math.Abs(p.First - p.Second));
                if (kind.StartsWith(TransferSyntaxes.JpegBaseline)) Assert.True(mad < 2.0, $"{kind}: mean |diff| {mad}");
                else Assert.True(pa.SequenceEqual(pb), $"{layout} {kind}: pixels differ (mean |diff| {mad})");
            }
        }
        Assert.Contains("png16", formats);
        Assert.Contains($"{TransferSyntaxes.ExplicitVrLittleEndian}/MONOCHROME1/8", formats);
        Assert.Contains($"{TransferSyntaxes.ExplicitVrLittleEndian}/MONOCHROME2/12", formats);
        Assert.Contains($"{TransferSyntaxes.JpegBaseline}/MONOCHROME2/8", formats);
        // dcmtk accepts our encapsulated JPEG file too.
        var jpegDcm = Directory.GetFiles(Path.Combine(tricky.Roots["rsna"], "stage_2_train_images"))
            .First(f => DicomDataset.Parse(File.ReadAllBytes(f), f).TransferSyntax == TransferSyntaxes.JpegBaseline);
        RefTool.Run("/usr/bin/dcmdjpeg", jpegDcm, tmp["decompressed.dcm"]);
        Assert.Equal(ImageDecoder.Decode(jpegDcm).Pixels, DicomDecoder.ReadPixels(DicomDataset.Parse(File.ReadAllBytes(tmp["decompressed.dcm"]), "d"), "d").Values.Select(v => (byte)v));
    }

    static int PngDepth(string path) => File.ReadAllBytes(path)[24];

    [Fact]
    public void Synth_RejectsBadOptions()
    {
        Assert.Throws<ArgumentException>(() => Synth.Generate(new SynthOptions { Layout = "mimic", OutputDir = "x" }));
        Assert.Throws<ArgumentException>(() => Synth.Generate(new SynthOptions { Count = 0, OutputDir = "x" }));
        Assert.Throws<ArgumentException>(() => Synth.Generate(new SynthOptions { Prevalence = 1.5, OutputDir = "x" }));
    }
}
