using System.Globalization;

namespace XRayHpc.Data.Adapters;

/// <summary>
/// NIH ChestX-ray14: Data_Entry_2017.csv (the real header, including the bracketed
/// OriginalImage[Width,Height] column pair), train_val_list.txt / test_list.txt, PNGs in
/// images_NNN/images/ (as unpacked from the archive) or a flat images/ folder.
/// "Finding Labels" is '|'-joined; "No Finding" means all 14 negative.
/// </summary>
public sealed class NihAdapter : IDatasetAdapter
{
    public const string CsvName = "Data_Entry_2017.csv";
    private const string CsvNameV2020 = "Data_Entry_2017_v2020.csv";
    public const string NoFinding = "No Finding";

    /// <summary>Canonical label order of the NIH release (Wang et al. 2017).</summary>
    public static readonly IReadOnlyList<string> AllClasses =
    [
        "Atelectasis", "Cardiomegaly", "Effusion", "Infiltration", "Mass", "Nodule", "Pneumonia",
        "Pneumothorax", "Consolidation", "Edema", "Emphysema", "Fibrosis", "Pleural_Thickening", "Hernia",
    ];

    private readonly string _root;
    private readonly AdapterOptions _options;
    private readonly ClassSelection _classes;

    public NihAdapter(string root, AdapterOptions options)
    {
        _root = root;
        _options = options;
        _classes = new ClassSelection(Name, AllClasses, options.Classes);
    }

    public string Name => "nih";
    public IReadOnlyList<string> ClassNames => _classes.Names;

    public IEnumerable<RawItem> Enumerate()
    {
        var csvPath = Path.Combine(_root, CsvName);
        if (!File.Exists(csvPath) && File.Exists(Path.Combine(_root, CsvNameV2020))) csvPath = Path.Combine(_root, CsvNameV2020);
        var table = CsvTable.OpenHeader(csvPath);
        int cImage = table.Require("Image Index"), cLabels = table.Require("Finding Labels"),
            cFollow = table.Require("Follow-up #"), cPatient = table.Require("Patient ID"),
            cAge = table.Require("Patient Age"), cView = table.Require("View Position");
        table.Require("Patient Gender");

        var images = IndexImages(_root);
        var splits = ReadSplitLists(_root);
        var classIndex = _classes.Names.Select((n, i) => (n, i)).ToDictionary(t => t.n, t => t.i);

        foreach (var row in table.Rows())
        {
            var f = row.Fields;
            string Field(int c) => c < f.Length ? f[c].Trim() : "";
            var imageName = Field(cImage);
            var patient = Field(cPatient);
            var view = Field(cView);
            var labels = new float[_classes.Count];
            string? problem = row.Problem;

            problem ??= imageName.Length == 0 ? "empty 'Image Index'" : null;
            problem ??= long.TryParse(patient, NumberStyles.None, CultureInfo.InvariantCulture, out _) ? null
                : $"unparseable 'Patient ID' '{patient}'";
            problem ??= int.TryParse(Field(cFollow), NumberStyles.None, CultureInfo.InvariantCulture, out _) ? null
                : $"unparseable 'Follow-up #' '{Field(cFollow)}'";
            problem ??= ParseAge(Field(cAge)) ? null : $"unparseable 'Patient Age' '{Field(cAge)}'";
            problem ??= ParseFindings(Field(cLabels), classIndex, labels);

            string imagePath = images.GetValueOrDefault(imageName) ?? Path.Combine(_root, "images", imageName);
            if (problem is null && _options.CheckImagesExist && !images.ContainsKey(imageName))
                problem = $"image file '{imageName}' not found under {_root}/images*/";

            yield return new RawItem(imagePath, csvPath, row.Line, patient, view.Length > 0 ? view : null, labels,
                ClassSelection.Ones(_classes.Count), splits.GetValueOrDefault(imageName),
                problem is null ? null : new DataFormatException(csvPath, row.Line, problem));
        }
    }

    /// <summary>Sets the multi-hot labels; returns a problem text for an unknown or empty finding.</summary>
    private static string? ParseFindings(string text, Dictionary<string, int> classIndex, float[] labels)
    {
        if (text.Length == 0) return "empty 'Finding Labels'";
        var tokens = text.Split('|', StringSplitOptions.TrimEntries);
        foreach (var t in tokens)
        {
            if (t == NoFinding)
            {
                if (tokens.Length > 1) return $"'{NoFinding}' combined with other findings in '{text}'";
                continue;
            }
            if (!AllClasses.Contains(t)) return $"unknown label '{t}' in 'Finding Labels'";
            if (classIndex.TryGetValue(t, out var i)) labels[i] = 1f;
        }
        return null;
    }

    /// <summary>Ages are plain integers in the 2017 file and "058Y" in older copies.</summary>
    private static bool ParseAge(string s)
    {
        if (s.EndsWith('Y')) s = s[..^1];
        return int.TryParse(s, NumberStyles.None, CultureInfo.InvariantCulture, out _);
    }

    /// <summary>File name → path over images_NNN/images/, images_NNN/ and images/ (first in sorted order wins).</summary>
    private static Dictionary<string, string> IndexImages(string root)
    {
        var map = new Dictionary<string, string>(StringComparer.Ordinal);
        var dirs = Directory.EnumerateDirectories(root, "images*").Order(StringComparer.Ordinal);
        foreach (var d in dirs)
        {
            var inner = Path.Combine(d, "images");
            foreach (var dir in new[] { inner, d })
            {
                if (!Directory.Exists(dir)) continue;
                foreach (var f in Directory.EnumerateFiles(dir).Order(StringComparer.Ordinal))
                    map.TryAdd(Path.GetFileName(f), f);
            }
        }
        return map;
    }

    private static Dictionary<string, string> ReadSplitLists(string root)
    {
        var map = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (file, split) in new[] { ("train_val_list.txt", "train"), ("test_list.txt", "test") })
        {
            var p = Path.Combine(root, file);
            if (!File.Exists(p)) continue;
            foreach (var line in File.ReadLines(p))
            {
                var name = line.Trim();
                if (name.Length > 0) map.TryAdd(name, split);
            }
        }
        return map;
    }
}
