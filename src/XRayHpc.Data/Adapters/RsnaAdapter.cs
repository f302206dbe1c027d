using System.Globalization;
using XRayHpc.Data.Dicom;

namespace XRayHpc.Data.Adapters;

/// <summary>
/// RSNA Pneumonia Detection: stage_2_train_labels.csv (patientId,x,y,width,height,Target; one row per
/// box, so several rows per patient) and stage_2_train_images/&lt;patientId&gt;.dcm. One item per patientId
/// (the first row's line), label = max Target. A bad row makes its patient's item an error item.
/// </summary>
public sealed class RsnaAdapter : IDatasetAdapter
{
    public const string CsvName = "stage_2_train_labels.csv";
    public const string ImageFolder = "stage_2_train_images";
    public static readonly IReadOnlyList<string> AllClasses = ["Pneumonia"];

    private readonly string _root;
    private readonly AdapterOptions _options;
    private readonly ClassSelection _classes;

    public RsnaAdapter(string root, AdapterOptions options)
    {
        _root = root;
        _options = options;
        _classes = new ClassSelection(Name, AllClasses, options.Classes);
    }

    public string Name => "rsna";
    public IReadOnlyList<string> ClassNames => _classes.Names;

    private sealed class Patient(string id, long line)
    {
        public string Id = id;
        public long Line = line;
        public float Target;
        public string? Problem;
        public long ProblemLine;
    }

    public IEnumerable<RawItem> Enumerate()
    {
        var csvPath = Path.Combine(_root, CsvName);
        var table = CsvTable.OpenHeader(csvPath);
        int cId = table.Require("patientId"), cTarget = table.Require("Target");
        int[] boxCols = [table.Require("x"), table.Require("y"), table.Require("width"), table.Require("height")];

        var patients = new List<Patient>();
        var byId = new Dictionary<string, Patient>(StringComparer.Ordinal);
        var loose = new List<(long Line, string Problem)>(); // rows without a usable patientId
        foreach (var row in table.Rows())
        {
            var f = row.Fields;
            string Field(int c) => c < f.Length ? f[c].Trim() : "";
            var id = Field(cId);
            if (id.Length == 0) { loose.Add((row.Line, row.Problem ?? "empty 'patientId'")); continue; }
            if (!byId.TryGetValue(id, out var p)) { p = new Patient(id, row.Line); byId[id] = p; patients.Add(p); }

            string? problem = row.Problem;
            var t = Field(cTarget);
            problem ??= t is "0" or "1" ? null : $"unknown 'Target' value '{t}'";
            foreach (var c in boxCols)
            {
                var v = Field(c);
                if (problem is null && v.Length > 0 && !double.TryParse(v, NumberStyles.Float, CultureInfo.InvariantCulture, out _))
                    problem = $"unparseable number '{v}' in column '{table.Header[c]}'";
                if (problem is null && t == "1" && v.Length == 0)
                    problem = $"Target 1 without a box ('{table.Header[c]}' is blank)";
            }
            if (problem is not null) { if (p.Problem is null) { p.Problem = problem; p.ProblemLine = row.Line; } continue; }
            if (t == "1") p.Target = 1f;
        }

        foreach (var (line, problem) in loose)
            yield return new RawItem("", csvPath, line, "", null, new float[_classes.Count], ClassSelection.Ones(_classes.Count),
                "train", new DataFormatException(csvPath, line, problem));

        foreach (var p in patients)
        {
            var image = Path.Combine(_root, ImageFolder, p.Id + ".dcm");
            var labels = new float[_classes.Count];
            if (_classes.Count > 0) labels[0] = p.Target;
            DataFormatException? error = p.Problem is not null ? new DataFormatException(csvPath, p.ProblemLine, p.Problem)
                : _options.CheckImagesExist && !File.Exists(image)
                    ? new DataFormatException(csvPath, p.Line, $"image file '{ImageFolder}/{p.Id}.dcm' not found")
                    : null;
            // The CSV has no view; the DICOM header does (ViewPosition PA/AP).
            string? view = error is null && _options.ReadDicomView ? DicomDataset.TryReadHeader(image, 8192)?.GetStringOrNull(DicomTags.ViewPosition) : null;
            yield return new RawItem(image, csvPath, error?.Row ?? p.Line, p.Id, view, labels,
                ClassSelection.Ones(_classes.Count), "train", error);
        }
    }
}
