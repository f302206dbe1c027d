using XRayHpc.Data.Adapters;
using XRayHpc.Data.Dicom;
using Xunit;

namespace XRayHpc.Data.Tests;

/// <summary>Synthetic datasets shared by the adapter and synth tests (generated once).</summary>
public sealed class AdapterSynthFixture : IDisposable
{
    public TempDir Dir { get; } = new();
    public SynthResult Result { get; }
    public const int Count = 60;

    public AdapterSynthFixture() =>
        Result = Synth.Generate(new SynthOptions { Layout = "all", OutputDir = Dir["raw"], Count = Count, Size = 96, Seed = 3, Prevalence = 0.5, ImagesPerPatient = 3 });

    public void Dispose() => Dir.Dispose();
}

public class AdapterSynthTests(AdapterSynthFixture fx) : IClassFixture<AdapterSynthFixture>
{
    [Fact]
    public void Adapter_ChestXRay2017_FoldersGiveLabelsSplitsAndPatients()
    {
        var a = DatasetAdapters.Open("chestxray2017", fx.Result.Roots["chestxray2017"]);
        var items = a.Enumerate().ToList();
        Assert.Equal(AdapterSynthFixture.Count, items.Count);
        Assert.All(items, i => Assert.Null(i.Error));
        Assert.Equal(["Pneumonia"], a.ClassNames);
        foreach (var i in items)
        {
            var folder = Path.GetFileName(Path.GetDirectoryName(i.ImagePath));
            Assert.Equal(folder == "PNEUMONIA" ? 1f : 0f, i.Labels[0]);
            Assert.Equal(Path.GetFileName(Path.GetDirectoryName(Path.GetDirectoryName(i.ImagePath))), i.OriginalSplit);
            Assert.True(File.Exists(i.ImagePath));
        }
        // 3 images per patient, patients never span folders.
        Assert.All(items.GroupBy(i => i.PatientId), g => Assert.Single(g.Select(i => i.Labels[0]).Distinct()));
        Assert.Equal(AdapterSynthFixture.Count / 3, items.Select(i => i.PatientId).Distinct().Count());
        Assert.Equal("chestxray2017", DatasetAdapters.Detect(fx.Result.Roots["chestxray2017"]));
    }

    [Theory]
    [InlineData("person1_bacteria_1", "person1")]
    [InlineData("person1507_virus_2617", "person1507")]
    [InlineData("IM-0115-0001", "IM-0115")]
    [InlineData("NORMAL2-IM-1427-0001", "NORMAL2-IM-1427")]
    [InlineData("scan_7", null)]
    public void Adapter_ChestXRay2017_PatientIdFromFileName(string stem, string? expected) =>
        Assert.Equal(expected, ChestXRay2017Adapter.PatientFromFileName(stem));

    [Fact]
    public void Adapter_Nih_LabelsFromFindingLabelsAndSplitLists()
    {
        var root = fx.Result.Roots["nih"];
        var a = DatasetAdapters.Open("auto", root);
        Assert.Equal("nih", a.Name);
        Assert.Equal(NihAdapter.AllClasses, a.ClassNames);
        Assert.Equal("Atelectasis", a.ClassNames[0]);
        Assert.Equal("Hernia", a.ClassNames[13]);
        var items = a.Enumerate().ToList();
        Assert.Equal(AdapterSynthFixture.Count, items.Count);
        var csv = File.ReadAllLines(Path.Combine(root, NihAdapter.CsvName)).Skip(1).Select(l => l.Split(',')).ToDictionary(f => f[0]);
        var test = File.ReadAllLines(Path.Combine(root, "test_list.txt")).ToHashSet();
        foreach (var i in items)
        {
            Assert.Null(i.Error);
            var row = csv[Path.GetFileName(i.ImagePath)];
            var findings = row[1] == "No Finding" ? [] : row[1].Split('|');
            for (int c = 0; c < 14; c++) Assert.Equal(findings.Contains(a.ClassNames[c]) ? 1f : 0f, i.Labels[c]);
            Assert.Equal(row[3], i.PatientId);
            Assert.Equal(row[6], i.View);
            Assert.Equal(test.Contains(row[0]) ? "test" : "train", i.OriginalSplit);
        }
        Assert.Contains(items, i => i.Labels.All(l => l == 0)); // No Finding rows exist
        Assert.Contains(items, i => i.Labels.Sum() >= 1);
    }

    [Fact]
    public void Adapter_CheXpert_SynthRowsAndFrontalFilter()
    {
        var root = fx.Result.Roots["chexpert"];
        var all = DatasetAdapters.Open("chexpert", root, new AdapterOptions { FrontalOnly = false }).Enumerate().ToList();
        Assert.Equal(AdapterSynthFixture.Count, all.Count);
        Assert.All(all, i => Assert.Null(i.Error));
        var frontal = DatasetAdapters.Open("chexpert", root, new AdapterOptions { FrontalOnly = true }).Enumerate().ToList();
        Assert.Equal(all.Count(i => i.View != "Lateral"), frontal.Count);
        Assert.True(frontal.Count < all.Count, "synth should include some lateral views");
        Assert.All(frontal, i => Assert.Contains(i.View, new[] { "AP", "PA" }));
        Assert.Contains(all, i => i.OriginalSplit == "val");
        Assert.All(all, i => Assert.Matches(@"^patient\d{5}$", i.PatientId));
        // Root given as the dataset folder itself works too.
        var inner = Path.Combine(root, "CheXpert-v1.0-small");
        Assert.Equal(all.Select(i => i.ImagePath), DatasetAdapters.Open("chexpert", inner, new AdapterOptions { FrontalOnly = false }).Enumerate().Select(i => i.ImagePath));
    }

    [Fact]
    public void Adapter_Rsna_OneItemPerPatientWithMaxTarget()
    {
        var root = fx.Result.Roots["rsna"];
        var items = DatasetAdapters.Open("rsna", root).Enumerate().ToList();
        Assert.Equal(AdapterSynthFixture.Count, items.Count);
        Assert.All(items, i => Assert.Null(i.Error));
        var rows = File.ReadAllLines(Path.Combine(root, RsnaAdapter.CsvName)).Skip(1).Select(l => l.Split(',')).ToList();
        Assert.True(rows.Count > items.Count, "some patients should have two boxes");
        foreach (var i in items)
        {
            Assert.Equal(rows.Where(r => r[0] == i.PatientId).Max(r => float.Parse(r[5])), i.Labels[0]);
            Assert.Equal(Path.Combine(root, "stage_2_train_images", i.PatientId + ".dcm"), i.ImagePath);
        }
        Assert.InRange(items.Count(i => i.Labels[0] == 1), 15, 45);
        // View comes from each DICOM's ViewPosition.
        Assert.All(items, i => Assert.Equal(DicomDataset.Parse(File.ReadAllBytes(i.ImagePath), i.ImagePath).GetString(DicomTags.ViewPosition), i.View));
        Assert.Contains(items, i => i.View == "AP");
        Assert.Contains(items, i => i.View == "PA");
    }
}

/// <summary>Adapters on hand-written CSVs: exact policies and every kind of bad row.</summary>
public class AdapterCsvTests
{
    const string CheXpertHeader = "Path,Sex,Age,Frontal/Lateral,AP/PA,No Finding,Enlarged Cardiomediastinum,Cardiomegaly,Lung Opacity,Lung Lesion,Edema,Consolidation,Pneumonia,Atelectasis,Pneumothorax,Pleural Effusion,Pleural Other,Fracture,Support Devices";

    static string CheXpertDataset(TempDir tmp, params string[] rows)
    {
        var ds = Path.Combine(tmp.Path, "CheXpert-v1.0-small");
        Directory.CreateDirectory(ds);
        File.WriteAllLines(Path.Combine(ds, "train.csv"), [CheXpertHeader, .. rows]);
        foreach (var r in rows)
        {
            var p = Path.Combine(tmp.Path, r.Split(',')[0]);
            Directory.CreateDirectory(Path.GetDirectoryName(p)!);
            File.WriteAllBytes(p, [0xFF, 0xD8, 0xFF]);
        }
        return tmp.Path;
    }

    [Theory]
    [InlineData(UncertaintyPolicy.UZeros, new float[] { 1, 0, 0, 0, 0 }, new float[] { 1, 1, 1, 1, 1 })]
    [InlineData(UncertaintyPolicy.UOnes, new float[] { 1, 0, 1, 0, 0 }, new float[] { 1, 1, 1, 1, 1 })]
    [InlineData(UncertaintyPolicy.Ignore, new float[] { 1, 0, 0, 0, 0 }, new float[] { 1, 1, 0, 1, 1 })]
    public void Adapter_CheXpert_UncertaintyPolicies(UncertaintyPolicy policy, float[] labels, float[] mask)
    {
        using var tmp = new TempDir();
        // Competition classes in order: Atelectasis, Cardiomegaly, Consolidation, Edema, Pleural Effusion.
        // Atelectasis 1.0, Cardiomegaly 0.0, Consolidation -1.0, Edema blank, Pleural Effusion blank.
        var root = CheXpertDataset(tmp,
            "CheXpert-v1.0-small/train/patient00001/study1/view1_frontal.jpg,Female,68,Frontal,AP,,,0.0,,,,-1.0,,1.0,,,,,",
            "CheXpert-v1.0-small/train/patient00001/study1/view2_lateral.jpg,Female,68,Lateral,,,,0.0,,,,-1.0,,1.0,,,,,");
        var a = DatasetAdapters.Open("chexpert", root, new AdapterOptions
        {
            UncertaintyPolicy = policy, FrontalOnly = true, Classes = AdapterOptions.CheXpertCompetitionClasses,
        });
        Assert.Equal(AdapterOptions.CheXpertCompetitionClasses, a.ClassNames);
        var item = Assert.Single(a.Enumerate());
        Assert.Null(item.Error);
        Assert.Equal(labels, item.Labels);
        Assert.Equal(mask, item.LabelMask);
        Assert.Equal("patient00001", item.PatientId);
        Assert.Equal("AP", item.View);
        Assert.Equal(2, item.SourceRow);
        Assert.True(File.Exists(item.ImagePath));
    }

    [Fact]
    public void Adapter_CheXpert_BadRowsNameFileAndLine()
    {
        using var tmp = new TempDir();
        var root = CheXpertDataset(tmp,
            "CheXpert-v1.0-small/train/patient00001/study1/view1_frontal.jpg,Male,40,Frontal,PA,1.0,,,,,,,,,,,,,",
            "CheXpert-v1.0-small/train/patient00002/study1/view1_frontal.jpg,Male,40,Frontal,PA,,,2.0,,,,,,,,,,,",
            "CheXpert-v1.0-small/train/patient00003/study1/view1_frontal.jpg,Male,forty,Frontal,PA,,,,,,,,,,,,,,",
            "CheXpert-v1.0-small/train/patient00004/study1/view1_frontal.jpg,Male,40,Frontal,PA,,,,,",
            "CheXpert-v1.0-small/train/patient00005/study1/view1_frontal.jpg,Male,40,Frontal,PA,,,yes,,,,,,,,,,,");
        File.Delete(Path.Combine(root, "CheXpert-v1.0-small/train/patient00001/study1/view1_frontal.jpg"));
        var items = DatasetAdapters.Open("chexpert", root).Enumerate().ToList();
        Assert.Equal(5, items.Count);
        var csv = Path.Combine(root, "CheXpert-v1.0-small", "train.csv");
        string[] reasons = ["not found", "unknown label value '2.0' in column 'Cardiomegaly'", "unparseable 'Age' 'forty'", "columns", "unknown label value 'yes'"];
        for (int k = 0; k < 5; k++)
        {
            var e = items[k].Error;
            Assert.NotNull(e);
            Assert.Equal(csv, e!.File);
            Assert.Equal(k + 2, e.Row);
            Assert.Contains(reasons[k], e.Message);
            Assert.StartsWith($"{csv}:{k + 2}: ", e.Message);
        }
    }

    [Fact]
    public void Adapter_Nih_BadRowsAndRealHeaderWithTrailingComma()
    {
        using var tmp = new TempDir();
        var root = tmp.Path;
        Directory.CreateDirectory(Path.Combine(root, "images_001", "images"));
        Directory.CreateDirectory(Path.Combine(root, "images"));
        foreach (var n in new[] { "00000001_000.png", "00000001_001.png", "00000002_000.png", "00000003_000.png", "00000004_000.png" })
            File.WriteAllBytes(Path.Combine(root, n == "00000004_000.png" ? "images" : "images_001/images", n), [0x89]);
        File.WriteAllLines(Path.Combine(root, NihAdapter.CsvName),
        [
            "Image Index,Finding Labels,Follow-up #,Patient ID,Patient Age,Patient Gender,View Position,OriginalImage[Width,Height],OriginalImagePixelSpacing[x,y],",
            "00000001_000.png,Cardiomegaly|Emphysema,0,1,58,M,PA,2682,2749,0.143,0.143,",
            "00000001_001.png,No Finding,1,1,58,M,PA,2894,2729,0.143,0.143,",
            "00000002_000.png,Pneumonitis,0,2,81,F,AP,2500,2048,0.168,0.168,",
            "00000009_000.png,Nodule,0,9,50,F,PA,2500,2048,0.168,0.168,",
            "00000003_000.png,Mass,0,3,5O,F,PA,2500,2048,0.168,0.168,",
            "00000004_000.png,Hernia,0,4,060Y,M,PA,2500,2048,0.168",
        ]);
        File.WriteAllLines(Path.Combine(root, "test_list.txt"), ["00000001_001.png"]);
        var a = DatasetAdapters.Open("nih", root);
        var items = a.Enumerate().ToList();
        Assert.Equal(6, items.Count);
        Assert.Null(items[0].Error);
        Assert.Equal(1f, items[0].Labels[a.ClassNames.ToList().IndexOf("Cardiomegaly")]);
        Assert.Equal(1f, items[0].Labels[a.ClassNames.ToList().IndexOf("Emphysema")]);
        Assert.Equal(2f, items[0].Labels.Sum());
        Assert.Null(items[1].Error);
        Assert.Equal(0f, items[1].Labels.Sum());
        Assert.Equal("test", items[1].OriginalSplit);
        Assert.Null(items[0].OriginalSplit); // listed in neither file
        Assert.Contains("unknown label 'Pneumonitis'", items[2].Error!.Message);
        Assert.Contains("not found", items[3].Error!.Message);
        Assert.Contains("'Patient Age' '5O'", items[4].Error!.Message);
        Assert.Contains("columns", items[5].Error!.Message);
        Assert.Equal([4L, 5, 6, 7], items.Skip(2).Select(i => i.Error!.Row!.Value));
    }

    [Fact]
    public void Adapter_MissingCsvOrColumn_ThrowsNamingFileAndColumn()
    {
        using var tmp = new TempDir();
        File.WriteAllText(tmp[RsnaAdapter.CsvName], "patientId,x,y,width,Target\nabc,,,,0\n");
        var e = Assert.Throws<DataFormatException>(() => DatasetAdapters.Open("rsna", tmp.Path).Enumerate().ToList());
        Assert.Equal(tmp[RsnaAdapter.CsvName], e.File);
        Assert.Contains("'height'", e.Message);
        using var empty = new TempDir();
        var e2 = Assert.Throws<DataFormatException>(() => DatasetAdapters.Open("nih", empty.Path).Enumerate().ToList());
        Assert.Contains(NihAdapter.CsvName, e2.Message);
    }

    [Fact]
    public void Adapter_Rsna_BadRowsBecomeErrorItems()
    {
        using var tmp = new TempDir();
        Directory.CreateDirectory(tmp["stage_2_train_images"]);
        foreach (var id in new[] { "p1", "p2", "p3" }) File.WriteAllBytes(Path.Combine(tmp["stage_2_train_images"], id + ".dcm"), [0]);
        File.WriteAllLines(tmp[RsnaAdapter.CsvName],
        [
            "patientId,x,y,width,height,Target",
            "p1,10,20,30,40,1", "p1,50,20,30,40,1", "p2,,,,,0", "p3,1,2,three,4,1", "p4,,,,,0", "p5,,,,,2",
        ]);
        var items = DatasetAdapters.Open("rsna", tmp.Path).Enumerate().ToList();
        Assert.Equal(["p1", "p2", "p3", "p4", "p5"], items.Select(i => i.PatientId));
        Assert.Equal(1f, items[0].Labels[0]);
        Assert.Equal(0f, items[1].Labels[0]);
        Assert.Contains("unparseable number 'three' in column 'width'", items[2].Error!.Message);
        Assert.Equal(5, items[2].Error!.Row);
        Assert.Contains("p4.dcm' not found", items[3].Error!.Message);
        Assert.Contains("unknown 'Target' value '2'", items[4].Error!.Message);
        Assert.Null(items[0].Error);
        Assert.Null(items[1].Error);
    }

    [Fact]
    public void Adapter_ChestXRay2017_UnparseableNamesAndStrayFilesAreErrorItems()
    {
        using var tmp = new TempDir();
        var dir = Path.Combine(tmp.Path, "chest_xray", "train", "PNEUMONIA");
        Directory.CreateDirectory(dir);
        Directory.CreateDirectory(Path.Combine(tmp.Path, "chest_xray", "test", "NORMAL"));
        foreach (var f in new[] { "person3_virus_11.jpeg", "scan_7.jpeg", "notes.txt", ".DS_Store" }) File.WriteAllBytes(Path.Combine(dir, f), [0]);
        File.WriteAllBytes(Path.Combine(tmp.Path, "chest_xray", "test", "NORMAL", "IM-0001-0001.jpeg"), [0]);
        var items = DatasetAdapters.Open("auto", tmp.Path).Enumerate().ToList();
        // Ordinal order inside a folder; splits in train, val, test order; dot files ignored.
        Assert.Equal(["notes.txt", "person3_virus_11.jpeg", "scan_7.jpeg", "IM-0001-0001.jpeg"], items.Select(i => Path.GetFileName(i.ImagePath)));
        Assert.Contains("unexpected file type", items[0].Error!.Message);
        Assert.Null(items[1].Error);
        Assert.Equal(("person3", 1f, "train"), (items[1].PatientId, items[1].Labels[0], items[1].OriginalSplit));
        Assert.Contains("cannot parse a patient id", items[2].Error!.Message);
        Assert.Equal(items[2].ImagePath, items[2].Error!.File);
        Assert.Equal(("IM-0001", 0f, "test"), (items[3].PatientId, items[3].Labels[0], items[3].OriginalSplit));
    }

    [Fact]
    public void Adapter_UnknownClassInSubset_Throws()
    {
        using var tmp = new TempDir();
        File.WriteAllText(tmp[RsnaAdapter.CsvName], "patientId,x,y,width,height,Target\n");
        var e = Assert.Throws<ArgumentException>(() => DatasetAdapters.Open("rsna", tmp.Path, new AdapterOptions { Classes = ["Cardiomegaly"] }));
        Assert.Contains("unknown class 'Cardiomegaly'", e.Message);
    }
}
