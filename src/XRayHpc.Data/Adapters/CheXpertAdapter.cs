using System.Globalization;
using System.Text.RegularExpressions;

namespace XRayHpc.Data.Adapters;

/// <summary>
/// CheXpert (Irvin et al. 2019): train.csv / valid.csv with Path, Sex, Age, Frontal/Lateral, AP/PA and 14
/// observations valued 1.0, 0.0, -1.0 (uncertain) or blank (not mentioned → negative). Path is relative to
/// the folder that contains CheXpert-v1.0[-small]/; the root may be either that folder or the dataset folder.
/// </summary>
public sealed partial class CheXpertAdapter : IDatasetAdapter
{
    public static readonly IReadOnlyList<string> AllClasses =
    [
        "No Finding", "Enlarged Cardiomediastinum", "Cardiomegaly", "Lung Opacity", "Lung Lesion", "Edema",
        "Consolidation", "Pneumonia", "Atelectasis", "Pneumothorax", "Pleural Effusion", "Pleural Other",
        "Fracture", "Support Devices",
    ];

    private static readonly (string File, string Split)[] CsvFiles = [("train.csv", "train"), ("valid.csv", "val")];

    private readonly string _csvDir;
    private readonly AdapterOptions _options;
    private readonly ClassSelection _classes;

    public CheXpertAdapter(string root, AdapterOptions options)
    {
        _csvDir = FindCsvDir(root) ?? throw new DataFormatException(Path.Combine(root, "train.csv"), null,
            "CheXpert CSV not found (looked for train.csv/valid.csv in the root and its sub-folders)");
        _options = options;
        _classes = new ClassSelection(Name, AllClasses, options.Classes);
    }

    public string Name => "chexpert";
    public IReadOnlyList<string> ClassNames => _classes.Names;

    /// <summary>The folder holding train.csv/valid.csv: root itself or one sub-folder (e.g. CheXpert-v1.0-small).</summary>
    public static string? FindCsvDir(string root)
    {
        static bool Has(string d) => CsvFiles.Any(c => File.Exists(Path.Combine(d, c.File)));
        if (Has(root)) return root;
        return Directory.Exists(root)
            ? Directory.EnumerateDirectories(root).Order(StringComparer.Ordinal).FirstOrDefault(Has)
            : null;
    }

    public IEnumerable<RawItem> Enumerate()
    {
        foreach (var (file, split) in CsvFiles)
        {
            var csvPath = Path.Combine(_csvDir, file);
            if (!File.Exists(csvPath)) continue;
            foreach (var item in EnumerateCsv(csvPath, split)) yield return item;
        }
    }

    private IEnumerable<RawItem> EnumerateCsv(string csvPath, string split)
    {
        var table = CsvTable.OpenHeader(csvPath);
        int cPath = table.Require("Path"), cAge = table.Require("Age"),
            cFrontal = table.Require("Frontal/Lateral"), cApPa = table.Require("AP/PA");
        table.Require("Sex");
        var classCols = _classes.Names.Select(table.Require).ToArray();

        foreach (var row in table.Rows())
        {
            var f = row.Fields;
            string Field(int c) => c < f.Length ? f[c].Trim() : "";
            var relPath = Field(cPath);
            var frontal = Field(cFrontal);
            var labels = new float[_classes.Count];
            var mask = ClassSelection.Ones(_classes.Count);
            string? problem = row.Problem;

            problem ??= frontal is "Frontal" or "Lateral" ? null : $"unknown 'Frontal/Lateral' value '{frontal}'";
            if (problem is null && _options.FrontalOnly && frontal == "Lateral") continue;
            problem ??= relPath.Length == 0 ? "empty 'Path'" : null;
            var age = Field(cAge);
            problem ??= age.Length == 0 || double.TryParse(age, NumberStyles.Float, CultureInfo.InvariantCulture, out _)
                ? null : $"unparseable 'Age' '{age}'";
            for (int k = 0; k < classCols.Length && problem is null; k++)
                problem = ApplyLabel(Field(classCols[k]), _classes.Names[k], _options.UncertaintyPolicy, out labels[k], out mask[k]);

            var patient = PatientRegex().Match(relPath) is { Success: true } m ? m.Value : "";
            problem ??= patient.Length == 0 ? $"no patientNNNNN folder in 'Path' '{relPath}'" : null;
            var imagePath = ResolveImage(relPath, out bool exists);
            if (problem is null && _options.CheckImagesExist && !exists) problem = $"image file '{relPath}' not found";

            string view = frontal == "Lateral" ? "Lateral" : Field(cApPa) is { Length: > 0 } v ? v : "Frontal";
            yield return new RawItem(imagePath, csvPath, row.Line, patient, view, labels, mask, split,
                problem is null ? null : new DataFormatException(csvPath, row.Line, problem));
        }
    }

    /// <summary>1 → positive, 0 or blank → negative, -1 → by policy (Ignore masks it out).</summary>
    private static string? ApplyLabel(string text, string column, UncertaintyPolicy policy, out float label, out float mask)
    {
        label = 0f;
        mask = 1f;
        if (text.Length == 0) return null;
        if (!double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var v))
            return $"unknown label value '{text}' in column '{column}'";
        switch (v)
        {
            case 1.0: label = 1f; return null;
            case 0.0: return null;
            case -1.0:
                if (policy == UncertaintyPolicy.UOnes) label = 1f;
                else if (policy == UncertaintyPolicy.Ignore) mask = 0f;
                return null;
            default: return $"unknown label value '{text}' in column '{column}'";
        }
    }

    /// <summary>Path is relative to the CSV folder's parent in the release; also accept it relative to the
    /// CSV folder itself (people often unpack the archive's content directly).</summary>
    private string ResolveImage(string relPath, out bool exists)
    {
        var rel = relPath.Replace('/', Path.DirectorySeparatorChar);
        var parent = Path.GetDirectoryName(Path.GetFullPath(_csvDir)) ?? _csvDir;
        var first = Path.Combine(parent, rel);
        var candidates = new List<string> { first, Path.Combine(_csvDir, rel) };
        var slash = relPath.IndexOf('/');
        if (slash > 0) candidates.Add(Path.Combine(_csvDir, relPath[(slash + 1)..].Replace('/', Path.DirectorySeparatorChar)));
        foreach (var c in candidates)
            if (File.Exists(c)) { exists = true; return c; }
        exists = false;
        return first;
    }

    [GeneratedRegex(@"patient\d+", RegexOptions.CultureInvariant)]
    private static partial Regex PatientRegex();
}
