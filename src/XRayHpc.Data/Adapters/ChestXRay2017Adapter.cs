using System.Text.RegularExpressions;

namespace XRayHpc.Data.Adapters;

/// <summary>
/// Kermany et al. pneumonia set: &lt;root&gt;/{train,val,test}/{NORMAL,PNEUMONIA}/*.jpeg (also under a
/// chest_xray/ sub-folder as in the public archive). One binary class; the folder gives the label and split.
/// </summary>
public sealed partial class ChestXRay2017Adapter : IDatasetAdapter
{
    public static readonly IReadOnlyList<string> AllClasses = ["Pneumonia"];
    private static readonly string[] Splits = ["train", "val", "test"];
    private static readonly string[] Folders = ["NORMAL", "PNEUMONIA"];

    private readonly string _root;
    private readonly ClassSelection _classes;

    public ChestXRay2017Adapter(string root, AdapterOptions options)
    {
        _root = FindSplitRoot(root) ?? throw new DataFormatException(root, null,
            "not a ChestXRay2017 layout: expected train/ or test/ with NORMAL/ and PNEUMONIA/ folders");
        _classes = new ClassSelection(Name, AllClasses, options.Classes);
    }

    public string Name => "chestxray2017";
    public IReadOnlyList<string> ClassNames => _classes.Names;

    public static string? FindSplitRoot(string root)
    {
        // The public archive unpacks to chest_xray/ (and some copies to chest_xray/chest_xray/).
        foreach (var candidate in new[] { root, Path.Combine(root, "chest_xray"), Path.Combine(root, "chest_xray", "chest_xray") })
            if (Splits.Any(s => Folders.Any(f => Directory.Exists(Path.Combine(candidate, s, f)))))
                return candidate;
        return null;
    }

    public IEnumerable<RawItem> Enumerate()
    {
        long ordinal = 0;
        foreach (var split in Splits)
        foreach (var folder in Folders)
        {
            var dir = Path.Combine(_root, split, folder);
            if (!Directory.Exists(dir)) continue;
            var files = Directory.EnumerateFiles(dir)
                .Where(f => !Path.GetFileName(f).StartsWith('.'))
                .Order(StringComparer.Ordinal);
            foreach (var file in files)
            {
                ordinal++;
                float positive = folder == "PNEUMONIA" ? 1f : 0f;
                var labels = new float[_classes.Count];
                if (_classes.Count > 0) labels[0] = positive;
                var patient = PatientFromFileName(Path.GetFileNameWithoutExtension(file));
                DataFormatException? error = null;
                if (!IsImageName(file))
                    error = new DataFormatException(file, null, "unexpected file type (expected .jpeg/.jpg/.png)");
                else if (patient is null)
                    error = new DataFormatException(file, null, "cannot parse a patient id from the file name (expected personN_… or [NORMALn-]IM-NNNN-NNNN)");
                yield return new RawItem(file, file, ordinal, patient ?? "", null, labels,
                    ClassSelection.Ones(_classes.Count), split, error);
            }
        }
    }

    /// <summary>person1_bacteria_1 → person1; IM-0115-0001 → IM-0115; NORMAL2-IM-1427-0001 → NORMAL2-IM-1427.</summary>
    public static string? PatientFromFileName(string stem)
    {
        var m = PersonRegex().Match(stem);
        if (m.Success) return m.Groups[1].Value;
        m = ImRegex().Match(stem);
        return m.Success ? m.Groups[1].Value : null;
    }

    private static bool IsImageName(string f) =>
        Path.GetExtension(f).ToLowerInvariant() is ".jpeg" or ".jpg" or ".png";

    [GeneratedRegex(@"^(person\d+)_", RegexOptions.CultureInvariant)]
    private static partial Regex PersonRegex();

    [GeneratedRegex(@"^((?:NORMAL\d*-)?IM-\d+)-\d+$", RegexOptions.CultureInvariant)]
    private static partial Regex ImRegex();
}
