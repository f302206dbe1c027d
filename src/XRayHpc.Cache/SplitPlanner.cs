using System.Security.Cryptography;
using System.Text;

namespace XRayHpc.Cache;

public enum Split { Train, Val, Test }

public static class SplitNames
{
    public static readonly Split[] All = [Split.Train, Split.Val, Split.Test];
    public static string Name(this Split s) => s switch { Split.Train => "train", Split.Val => "val", _ => "test" };
    public static Split Parse(string s) => s.ToLowerInvariant() switch
    {
        "train" => Split.Train,
        "val" or "valid" or "validation" => Split.Val,
        "test" => Split.Test,
        _ => throw new ArgumentException($"unknown split '{s}' (train|val|test)"),
    };
}

/// <summary>
/// Patient-level split: every row of a patient lands in the same split.
/// Policy (recorded in the manifest):
/// - A dataset's own test rows (NIH test_list, Kermany test/) make their patient a test patient.
/// - A dataset's own validation rows stay validation when the dataset also has a test set (Kermany val/);
///   when it has none (CheXpert: valid.csv is the radiologist-labelled set the literature reports on),
///   they become the test set.
/// - A patient seen in several splits goes wholly to the most held-out one (test > val > train).
/// - Validation is topped up from the remaining (train) patients to the requested fraction of all
///   patients; when the dataset has no held-out set at all, test is carved out the same way.
/// - Carving sorts patients by SHA-256(seed, patient key) and cuts exact counts, so the split is
///   deterministic, independent of row order, and has round(fraction × patients) patients.
/// The patient key is the dataset's own patient id, held in memory only: the salted patient_hash that the
/// cache stores differs per machine (the salt is a local secret), and the same dataset with the same seed
/// must give the same split everywhere.
/// </summary>
public static class SplitPlanner
{
    public static Split[] Assign(IReadOnlyList<(string PatientKey, string? OriginalSplit)> rows,
        double valFraction, double testFraction, long seed)
    {
        if (valFraction < 0 || testFraction < 0 || valFraction + testFraction >= 1)
            throw new ArgumentException($"val fraction {valFraction} and test fraction {testFraction} must be ≥ 0 and sum below 1");
        bool datasetHasTest = rows.Any(r => Original(r.OriginalSplit) == Split.Test);
        bool datasetHasVal = rows.Any(r => Original(r.OriginalSplit) == Split.Val);
        var patientSplit = new Dictionary<string, Split>(StringComparer.Ordinal);
        foreach (var (p, orig) in rows)
        {
            var s = Original(orig) switch
            {
                Split.Test => Split.Test,
                Split.Val => datasetHasTest ? Split.Val : Split.Test,
                _ => Split.Train,
            };
            patientSplit[p] = patientSplit.TryGetValue(p, out var prev) ? (Split)Math.Max((int)prev, (int)s) : s;
        }

        var pool = patientSplit.Where(kv => kv.Value == Split.Train).Select(kv => kv.Key)
            .OrderBy(p => SortKey(seed, p), StringComparer.Ordinal).ThenBy(p => p, StringComparer.Ordinal).ToList();
        // Fractions are of all patients, so "--val-fraction 0.1" means 10% of patients whatever the dataset gives.
        int total = patientSplit.Count;
        int haveVal = patientSplit.Values.Count(s => s == Split.Val);
        int nVal = Math.Max(0, (int)Math.Round(valFraction * total) - haveVal);
        int nTest = datasetHasTest || datasetHasVal ? 0 : (int)Math.Round(testFraction * total);
        nVal = Math.Min(nVal, pool.Count);
        nTest = Math.Min(nTest, pool.Count - nVal);
        for (int i = 0; i < nVal + nTest; i++) patientSplit[pool[i]] = i < nVal ? Split.Val : Split.Test;
        return rows.Select(r => patientSplit[r.PatientKey]).ToArray();
    }

    static Split? Original(string? originalSplit) => originalSplit?.ToLowerInvariant() switch
    {
        null or "" => null,
        "test" => Split.Test,
        "val" or "valid" or "validation" => Split.Val,
        _ => Split.Train,
    };

    static string SortKey(long seed, string patientKey) =>
        Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes($"{seed}:{patientKey}")));
}
