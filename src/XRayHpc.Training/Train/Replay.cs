using XRayHpc.Training.Run;

namespace XRayHpc.Training.Train;

/// <summary>A member's hyperparameter schedule read back from lineage.jsonl: the values it trained with from each step on.</summary>
public sealed class ReplaySchedule
{
    readonly SortedDictionary<long, Dictionary<string, double>> _byStep = new();

    public static ReplaySchedule Load(string lineagePath, int member)
    {
        var s = new ReplaySchedule();
        int lineNo = 0;
        foreach (var line in File.ReadLines(lineagePath))
        {
            lineNo++;
            if (string.IsNullOrWhiteSpace(line)) continue;
            LineageLine rec;
            try { rec = RunJson.Parse<LineageLine>(line); }
            catch (System.Text.Json.JsonException e) { throw new FormatException($"{lineagePath}:{lineNo}: not a lineage record: {e.Message}"); }
            // A replay sets numbers only; a member of a categorical search also changed architecture/optimizer, which
            // a replay would silently not follow.
            if (rec.Target == member && rec.NewNames is { Count: > 0 } names)
                throw new FormatException($"{lineagePath}:{lineNo}: member {member} trained with categorical values ({string.Join(", ", names.Select(kv => $"{kv.Key}={kv.Value}"))}): --replay retrains numeric schedules only; train that member's setting with --set model.name=... --set optimizer.name=... instead");
            if (rec.Target == member && rec.Kind is "initial" or "exploit" or "restart") s._byStep[rec.Step] = rec.New;
        }
        if (!s._byStep.ContainsKey(0)) throw new FormatException($"{lineagePath}: no initial record for member {member} (is it a lineage of this population?)");
        return s;
    }

    public Dictionary<string, double> Initial => _byStep[0];

    /// <summary>The hyperparameters set at exactly this step, if the schedule changes there.</summary>
    public Dictionary<string, double>? ChangeAt(long step) => step > 0 && _byStep.TryGetValue(step, out var hp) ? hp : null;
}
