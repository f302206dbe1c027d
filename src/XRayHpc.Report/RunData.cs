using System.Globalization;
using System.Text.Json;

namespace XRayHpc.Report;

/// <summary>One metrics.jsonl line (the fields the report draws; absent or non-finite values are NaN).</summary>
public sealed record MetricPoint(int Member, int Round, long Step, int Epoch, double TimeS, double TrainLoss,
    double ValLoss, double MeanAuroc, IReadOnlyDictionary<string, double> Auroc, double Accuracy, double Lr,
    double ImagesPerS, bool Failed, double AllreduceShare = double.NaN)
{
    /// <summary>Seconds per phase of the member root since its previous record (empty for runs written before phase_s).</summary>
    public IReadOnlyDictionary<string, double> PhaseS { get; init; } = new Dictionary<string, double>();
    /// <summary>The member's architecture and optimizer when a categorical search tuned them (null otherwise and in older runs).</summary>
    public string? Model { get; init; }
    public string? Optimizer { get; init; }
}

/// <summary>One lineage.jsonl line: member <see cref="Target"/> changed at <see cref="Step"/>.</summary>
public sealed record LineageEvent(int Round, long Step, int Target, int? Source, string Kind,
    IReadOnlyDictionary<string, double> Old, IReadOnlyDictionary<string, double> New)
{
    /// <summary>Categorical values (model, optimizer) by name before and after; empty without a categorical search and in older runs.</summary>
    public IReadOnlyDictionary<string, string> OldNames { get; init; } = new Dictionary<string, string>();
    public IReadOnlyDictionary<string, string> NewNames { get; init; } = new Dictionary<string, string>();
    /// <summary>Exploit onto another optimizer: what happened to the optimizer state ("fresh adam (…)"); null otherwise.</summary>
    public string? OptimizerState { get; init; }
}

/// <summary>One predictions.csv row: a member's score for one (test row, class); Label is null where the label
/// does not count (masked: uncertain or not annotated; written as an empty field).</summary>
public sealed record Prediction(int Member, long Row, string Class, double Score, double? Label);

/// <summary>
/// Everything the report reads from a run directory (format: src/XRayHpc.Training/README.md "Run directory"). Missing
/// files give empty collections so a run that is still going, or was cut short, still gets a report;
/// a malformed line is an error naming the file and line.
/// </summary>
public sealed class RunData
{
    public required string Dir { get; init; }
    public IReadOnlyList<MetricPoint> Metrics { get; init; } = [];
    public IReadOnlyList<LineageEvent> Lineage { get; init; } = [];
    public IReadOnlyList<Prediction> Predictions { get; init; } = [];
    /// <summary>summary.json as parsed, or null when the run has not finished.</summary>
    public JsonElement? Summary { get; init; }
    public string? ResolvedConfig { get; init; }

    public IReadOnlyList<int> Members => Metrics.Select(m => m.Member).Distinct().Order().ToList();

    public static RunData Load(string dir)
    {
        if (!Directory.Exists(dir)) throw new ReportInputException(dir, null, "run directory not found");
        string P(string name) => Path.Combine(dir, name);
        if (!new[] { "metrics.jsonl", "summary.json", "predictions.csv" }.Any(f => File.Exists(P(f))))
            throw new ReportInputException(dir, null, "not a run directory (none of metrics.jsonl, summary.json, predictions.csv)");
        return new RunData
        {
            Dir = dir,
            Metrics = ReadJsonLines(P("metrics.jsonl"), ParseMetric),
            Lineage = ReadJsonLines(P("lineage.jsonl"), ParseLineage),
            Predictions = ReadPredictions(P("predictions.csv")),
            Summary = File.Exists(P("summary.json")) ? ParseSummary(P("summary.json")) : null,
            ResolvedConfig = File.Exists(P("config.resolved.yaml")) ? File.ReadAllText(P("config.resolved.yaml")) : null,
        };
    }

    static JsonElement ParseSummary(string path)
    {
        try { using var doc = JsonDocument.Parse(File.ReadAllText(path)); return doc.RootElement.Clone(); }
        catch (JsonException e) { throw new ReportInputException(path, e.LineNumber + 1, "invalid JSON: " + e.Message); }
    }

    static List<T> ReadJsonLines<T>(string path, Func<JsonElement, T> parse)
    {
        var list = new List<T>();
        if (!File.Exists(path)) return list;
        long n = 0;
        foreach (var line in File.ReadLines(path))
        {
            n++;
            if (string.IsNullOrWhiteSpace(line)) continue;
            try
            {
                using var doc = JsonDocument.Parse(line);
                list.Add(parse(doc.RootElement));
            }
            catch (Exception e) when (e is JsonException or InvalidOperationException or FormatException or KeyNotFoundException)
            {
                throw new ReportInputException(path, n, e.Message);
            }
        }
        return list;
    }

    static MetricPoint ParseMetric(JsonElement e) => new(
        Int(e, "member"), Int(e, "round"), Long(e, "step"), Int(e, "epoch"), Num(e, "time_s"), Num(e, "train_loss"),
        Num(e, "val_loss"), Num(e, "mean_auroc"), NumMap(e, "auroc"), Num(e, "accuracy"), Num(e, "lr"),
        Num(e, "images_per_s"), e.TryGetProperty("failed", out var f) && f.ValueKind == JsonValueKind.True, Num(e, "allreduce_share"))
    {
        PhaseS = OrderedNumMap(e, "phase_s"), Model = Str(e, "model"), Optimizer = Str(e, "optimizer"),
    };

    static LineageEvent ParseLineage(JsonElement e) => new(
        Int(e, "round"), Long(e, "step"), Int(e, "target"),
        e.TryGetProperty("source", out var s) && s.ValueKind == JsonValueKind.Number ? s.GetInt32() : null,
        e.TryGetProperty("kind", out var k) ? k.GetString() ?? "" : "", NumMap(e, "old"), NumMap(e, "new"))
    {
        OldNames = StrMap(e, "old_names"), NewNames = StrMap(e, "new_names"), OptimizerState = Str(e, "optimizer_state"),
    };

    static string? Str(JsonElement e, string name) =>
        e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;

    /// <summary>A {name: string} object; absent (older runs) or null gives an empty map.</summary>
    static IReadOnlyDictionary<string, string> StrMap(JsonElement e, string name)
    {
        var map = new SortedDictionary<string, string>(StringComparer.Ordinal);
        if (e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.Object)
            foreach (var p in v.EnumerateObject())
                map[p.Name] = p.Value.ValueKind == JsonValueKind.String ? p.Value.GetString() ?? "" : throw new FormatException($"\"{name}.{p.Name}\" must be a string");
        return map;
    }

    static int Int(JsonElement e, string name) =>
        e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.Number ? v.GetInt32() : 0;

    static long Long(JsonElement e, string name) =>
        e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.Number ? v.GetInt64()
        : throw new KeyNotFoundException($"missing number \"{name}\"");

    /// <summary>Numbers, plus "NaN"/"Infinity" strings (the trainer writes non-finite values that way).</summary>
    public static double Num(JsonElement e, string name)
    {
        if (!e.TryGetProperty(name, out var v)) return double.NaN;
        return v.ValueKind switch
        {
            JsonValueKind.Number => v.GetDouble(),
            JsonValueKind.String when double.TryParse(v.GetString(), NumberStyles.Float, CultureInfo.InvariantCulture, out var d) => d,
            _ => double.NaN,
        };
    }

    static IReadOnlyDictionary<string, double> NumMap(JsonElement e, string name)
    {
        var map = new SortedDictionary<string, double>(StringComparer.Ordinal);
        if (e.TryGetProperty(name, out var o) && o.ValueKind == JsonValueKind.Object)
            foreach (var p in o.EnumerateObject()) map[p.Name] = Num(o, p.Name);
        return map;
    }

    /// <summary>Like NumMap, in the file's order (phase_s lists the phases in the order a step runs them).</summary>
    static IReadOnlyDictionary<string, double> OrderedNumMap(JsonElement e, string name)
    {
        var map = new Dictionary<string, double>(StringComparer.Ordinal);
        if (e.TryGetProperty(name, out var o) && o.ValueKind == JsonValueKind.Object)
            foreach (var p in o.EnumerateObject()) map[p.Name] = Num(o, p.Name);
        return map;
    }

    static List<Prediction> ReadPredictions(string path)
    {
        var list = new List<Prediction>();
        if (!File.Exists(path)) return list;
        long n = 0;
        int[]? col = null;
        foreach (var line in File.ReadLines(path))
        {
            n++;
            if (string.IsNullOrWhiteSpace(line)) continue;
            var f = line.Split(',');
            if (col == null)
            {
                // Header: member,row,class,score,label (looked up by name so extra columns are fine).
                string[] want = ["member", "row", "class", "score", "label"];
                col = want.Select(w => Array.IndexOf(f.Select(x => x.Trim()).ToArray(), w)).ToArray();
                if (col.Any(i => i < 0))
                    throw new ReportInputException(path, n, $"header must name the columns {string.Join(",", want)} (got '{line}')");
                continue;
            }
            if (f.Length <= col.Max()) throw new ReportInputException(path, n, $"expected at least {col.Max() + 1} fields, got {f.Length}");
            try
            {
                list.Add(new Prediction(int.Parse(f[col[0]], CultureInfo.InvariantCulture), long.Parse(f[col[1]], CultureInfo.InvariantCulture),
                    f[col[2]].Trim().Trim('"'), double.Parse(f[col[3]], CultureInfo.InvariantCulture),
                    f[col[4]].Trim().Length == 0 ? null : double.Parse(f[col[4]], CultureInfo.InvariantCulture)));
            }
            catch (FormatException e) { throw new ReportInputException(path, n, e.Message); }
        }
        return list;
    }
}

/// <summary>A run-directory file the report cannot read; the message is "file:line: reason".</summary>
public sealed class ReportInputException(string file, long? line, string reason)
    : Exception(line is { } l ? $"{file}:{l}: {reason}" : $"{file}: {reason}")
{
    public string File { get; } = file;
    public long? Line { get; } = line;
}
