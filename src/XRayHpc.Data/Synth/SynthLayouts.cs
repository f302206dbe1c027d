using System.Globalization;
using System.Text;
using XRayHpc.Data.Adapters;

namespace XRayHpc.Data.Synthesis;

/// <summary>
/// Plans each layout: decides patients, labels and file names from the seed, writes the layout's CSV
/// and list files, and returns the images to render. CSV labels are exactly the lesions handed to the renderer.
/// </summary>
internal static class SynthLayouts
{
    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    private static int Patients(SynthOptions o) => (o.Count + o.ImagesPerPatient - 1) / o.ImagesPerPatient;
    private static int ImagesOf(SynthOptions o, int patient) => Math.Min(o.ImagesPerPatient, o.Count - patient * o.ImagesPerPatient);

    // ---------- ChestXRay2017 (Kermany) ----------

    public static List<ImageJob> ChestXRay2017(SynthOptions o, string root, int layoutIndex)
    {
        var jobs = new List<ImageJob>();
        var rng = new SynthRng(o.Seed, layoutIndex, 0);
        int imageCounter = 0;
        // The layout's own split (80/5/15) unless overridden; the literals keep default output byte-identical.
        bool ownSplit = o.ValFraction is null && o.TestFraction is null;
        double testShare = o.TestFraction ?? 0.15, valEnd = 1 - testShare, trainEnd = valEnd - (o.ValFraction ?? 0.05);
        for (int p = 0; p < Patients(o); p++)
        {
            double u = rng.NextDouble();
            string split = ownSplit ? (u < 0.8 ? "train" : u < 0.85 ? "val" : "test") : u < trainEnd ? "train" : u < valEnd ? "val" : "test";
            bool truth = rng.Chance(o.Prevalence);
            bool viral = rng.Chance(0.35);
            bool normal2 = rng.Chance(0.5);
            // Label noise and markers come from a stream of their own (key 3), so the draws above stay as they were.
            var knob = o.NeedsLabelKnobs ? new SynthRng(o.Seed, layoutIndex, 3, p) : null;
            bool pneumonia = knob is not null && split == "train" && knob.Chance(o.LabelNoise) ? !truth : truth;
            for (int k = 0; k < ImagesOf(o, p); k++)
            {
                bool marker = knob is not null && Marker(o, knob, split == "train", pneumonia);
                string name = pneumonia
                    ? $"person{p + 1}_{(viral ? "virus" : "bacteria")}_{imageCounter}.jpeg"
                    : $"{(normal2 ? "NORMAL2-" : "")}IM-{p + 1:D4}-{k + 1:D4}.jpeg";
                // Bacterial pneumonia: lobar consolidation; viral: bilateral interstitial patches.
                Lesion[] lesions = !truth ? []
                    : viral ? [new Lesion(Finding.Infiltration, 2.0)] : [new Lesion(Finding.Pneumonia, 1.0)];
                var path = Path.Combine(root, split, pneumonia ? "PNEUMONIA" : "NORMAL", name);
                jobs.Add(new ImageJob(path, p, imageCounter, lesions, false, SynthFormat.Jpeg, Marker: marker));
                imageCounter++;
            }
        }
        return jobs;
    }

    // ---------- NIH ChestX-ray14 ----------

    public static List<ImageJob> Nih(SynthOptions o, string root, int layoutIndex)
    {
        var jobs = new List<ImageJob>();
        var rng = new SynthRng(o.Seed, layoutIndex, 0);
        var csv = new StringBuilder("Image Index,Finding Labels,Follow-up #,Patient ID,Patient Age,Patient Gender,View Position,OriginalImage[Width,Height],OriginalImagePixelSpacing[x,y]\n");
        var trainVal = new StringBuilder();
        var test = new StringBuilder();
        int perFolder = Math.Max(1, (o.Count + 2) / 3);
        int image = 0;
        for (int p = 0; p < Patients(o); p++)
        {
            int age = rng.Next(18, 90);
            string sex = rng.Chance(0.55) ? "M" : "F";
            bool isTest = rng.Chance(0.2);
            for (int k = 0; k < ImagesOf(o, p); k++)
            {
                var truth = rng.Chance(o.Prevalence) ? PickFindings(rng, NihAdapter.AllClasses) : [];
                string name = $"{p + 1:D8}_{k:D3}.png";
                string view = rng.Chance(0.65) ? "PA" : "AP";
                // Label noise and markers: a stream of their own (key 3) per image; train_val only (the preprocessor
                // carves validation out of train_val, so validation shares the training distribution here).
                var knob = o.NeedsLabelKnobs ? new SynthRng(o.Seed, layoutIndex, 3, image) : null;
                var findings = knob is not null && !isTest && knob.Chance(o.LabelNoise)
                    ? (truth.Length > 0 ? [] : PickFindings(knob, NihAdapter.AllClasses)) : truth;
                bool marker = knob is not null && Marker(o, knob, !isTest, findings.Length > 0);
                string labels = findings.Length == 0 ? NihAdapter.NoFinding : string.Join('|', findings.Order(StringComparer.Ordinal));
                csv.Append(Inv, $"{name},{labels},{k},{p + 1},{age + k / 2},{sex},{view},{o.Size},{o.Size},0.143,0.143\n");
                (isTest ? test : trainVal).Append(name).Append('\n');
                var folder = $"images_{image / perFolder + 1:D3}";
                var lesions = truth.Select(f => new Lesion(FindingNames.FromLabel(f)!.Value, 1.0)).ToArray();
                jobs.Add(new ImageJob(Path.Combine(root, folder, "images", name), p, image, lesions, false, image % 4 == 3 ? SynthFormat.Png16 : SynthFormat.Png, Marker: marker));
                image++;
            }
        }
        File.WriteAllText(Path.Combine(root, NihAdapter.CsvName), csv.ToString());
        File.WriteAllText(Path.Combine(root, "train_val_list.txt"), trainVal.ToString());
        File.WriteAllText(Path.Combine(root, "test_list.txt"), test.ToString());
        return jobs;
    }

    /// <summary>Whether an image carries the distractor marker: tied to its written label in training, a coin flip elsewhere.</summary>
    private static bool Marker(SynthOptions o, SynthRng knob, bool training, bool abnormal)
    {
        if (o.DistractorCorrelation <= 0) return false;
        double d = o.DistractorCorrelation;
        return knob.Chance(!training ? 0.5 : abnormal ? (1 + d) / 2 : (1 - d) / 2);
    }

    /// <summary>1 finding (70%), 2 (25%) or 3 (5%), distinct.</summary>
    private static string[] PickFindings(SynthRng rng, IReadOnlyList<string> classes)
    {
        double u = rng.NextDouble();
        int n = Math.Min(classes.Count, u < 0.7 ? 1 : u < 0.95 ? 2 : 3);
        var chosen = new List<string>();
        while (chosen.Count < n)
        {
            var c = rng.Pick(classes);
            if (!chosen.Contains(c)) chosen.Add(c);
        }
        return [.. chosen];
    }

    // ---------- CheXpert ----------

    public const string CheXpertFolder = "CheXpert-v1.0-small";

    public static List<ImageJob> CheXpert(SynthOptions o, string root, int layoutIndex)
    {
        var jobs = new List<ImageJob>();
        var rng = new SynthRng(o.Seed, layoutIndex, 0);
        var observations = CheXpertAdapter.AllClasses.Where(c => c != "No Finding").ToArray();
        string header = "Path,Sex,Age,Frontal/Lateral,AP/PA," + string.Join(',', CheXpertAdapter.AllClasses) + "\n";
        var train = new StringBuilder(header);
        var valid = new StringBuilder(header);
        var dataset = Path.Combine(root, CheXpertFolder);
        int image = 0;
        for (int p = 0; p < Patients(o); p++)
        {
            bool isValid = rng.Chance(0.1);
            string sex = rng.Chance(0.55) ? "Male" : "Female";
            int age = rng.Next(18, 90);
            string split = isValid ? "valid" : "train";
            for (int k = 0; k < ImagesOf(o, p); k++)
            {
                bool lateral = rng.Chance(0.15);
                string rel = $"{CheXpertFolder}/{split}/patient{p + 1:D5}/study{k + 1}/{(lateral ? "view2_lateral" : "view1_frontal")}.jpg";
                var values = new Dictionary<string, string>();
                var lesions = new List<Lesion>();
                var findings = rng.Chance(o.Prevalence) ? PickFindings(rng, observations) : [];
                foreach (var obs in observations)
                {
                    if (findings.Contains(obs))
                    {
                        // The validation set of the real release has no uncertain labels.
                        bool uncertain = !isValid && rng.Chance(0.2);
                        values[obs] = uncertain ? "-1.0" : "1.0";
                        lesions.Add(new Lesion(FindingNames.FromLabel(obs)!.Value, uncertain ? 0.5 : 1.0));
                    }
                    else values[obs] = isValid || rng.Chance(0.3) ? "0.0" : "";
                }
                bool noFinding = findings.All(f => f == "Support Devices");
                values["No Finding"] = noFinding ? "1.0" : isValid ? "0.0" : "";
                string apPa = lateral ? "" : rng.Chance(0.6) ? "AP" : "PA";
                var line = new StringBuilder();
                line.Append(Inv, $"{rel},{sex},{age},{(lateral ? "Lateral" : "Frontal")},{apPa}");
                foreach (var c in CheXpertAdapter.AllClasses) line.Append(',').Append(values[c]);
                (isValid ? valid : train).Append(line).Append('\n');
                jobs.Add(new ImageJob(Path.Combine(root, rel.Replace('/', Path.DirectorySeparatorChar)), p, image, [.. lesions], lateral, SynthFormat.Jpeg));
                image++;
            }
        }
        Directory.CreateDirectory(dataset);
        File.WriteAllText(Path.Combine(dataset, "train.csv"), train.ToString());
        File.WriteAllText(Path.Combine(dataset, "valid.csv"), valid.ToString());
        return jobs;
    }

    // ---------- RSNA Pneumonia Detection ----------

    private static readonly string[] FirstNames = ["ANNA", "JOHN", "MARIA", "PETER", "LINDA", "AHMED", "YUKI", "CARLOS", "OLGA", "SAMUEL"];
    private static readonly string[] LastNames = ["MUELLER", "SMITH", "GARCIA", "NGUYEN", "KOWALSKI", "OKAFOR", "TANAKA", "ROSSI", "JOHANSSON", "DUBOIS"];

    public static List<ImageJob> Rsna(SynthOptions o, string root, int layoutIndex)
    {
        var jobs = new List<ImageJob>();
        var rng = new SynthRng(o.Seed, layoutIndex, 0);
        var labels = new StringBuilder("patientId,x,y,width,height,Target\n");
        var detail = new StringBuilder("patientId,class\n");
        for (int p = 0; p < o.Count; p++)
        {
            string id = Guid(rng);
            var lesions = new List<Lesion>();
            if (rng.Chance(o.Prevalence))
            {
                int boxes = rng.Chance(0.6) ? 1 : 2;
                int firstSide = rng.Next(2);
                for (int b = 0; b < boxes; b++)
                {
                    int side = (firstSide + b) % 2;
                    // Boxes sit in the lung fields of a typical anatomy (Anatomy keeps lungs within these ranges).
                    double w = rng.Uniform(0.12, 0.2), h = rng.Uniform(0.18, 0.3);
                    double cx = (side == 0 ? 0.32 : 0.68) + rng.Uniform(-0.03, 0.03), cy = rng.Uniform(0.42, 0.6);
                    var box = (cx - w / 2, cy - h / 2, w, h);
                    lesions.Add(new Lesion(Finding.LungOpacity, 1.0, box));
                    labels.Append(Inv, $"{id},{box.Item1 * o.Size:0.0},{box.Item2 * o.Size:0.0},{w * o.Size:0.0},{h * o.Size:0.0},1\n");
                    detail.Append(Inv, $"{id},Lung Opacity\n");
                }
            }
            else
            {
                bool notNormal = rng.Chance(0.35);
                if (notNormal) lesions.Add(new Lesion(rng.Pick(new[] { Finding.Nodule, Finding.PleuralThickening, Finding.Cardiomegaly }), 1.0));
                labels.Append(Inv, $"{id},,,,,0\n");
                detail.Append(Inv, $"{id},{(notNormal ? "No Lung Opacity / Not Normal" : "Normal")}\n");
            }
            int age = rng.Next(18, 90);
            var phi = new FakePhi(
                PatientName: $"{rng.Pick(LastNames)}^{rng.Pick(FirstNames)}",
                PatientId: id,
                BirthDate: $"{2017 - age:D4}{rng.Next(1, 13):D2}{rng.Next(1, 29):D2}",
                Sex: rng.Chance(0.55) ? "M" : "F",
                Age: age,
                StudyDate: $"2017{rng.Next(1, 13):D2}{rng.Next(1, 29):D2}",
                View: rng.Chance(0.5) ? "PA" : "AP");
            var format = (p % 4) switch { 1 => SynthFormat.DicomMonochrome1, 2 => SynthFormat.Dicom12BitWindowed, 3 => SynthFormat.DicomJpegBaseline, _ => SynthFormat.Dicom };
            jobs.Add(new ImageJob(Path.Combine(root, RsnaAdapter.ImageFolder, id + ".dcm"), p, p, [.. lesions], false, format, phi));
        }
        File.WriteAllText(Path.Combine(root, RsnaAdapter.CsvName), labels.ToString());
        File.WriteAllText(Path.Combine(root, "stage_2_detailed_class_info.csv"), detail.ToString());
        return jobs;
    }

    private static string Guid(SynthRng rng)
    {
        var h = $"{rng.NextULong():x16}{rng.NextULong():x16}";
        return $"{h[..8]}-{h[8..12]}-{h[12..16]}-{h[16..20]}-{h[20..32]}";
    }
}
