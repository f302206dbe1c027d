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
/// - A dataset's own held-out set is honoured: rows whose original split is "test" (NIH test_list,
///   Kermany test/) or "valid" (CheXpert valid.csv — the radiologist-labelled set, used as test in
///   the literature) make their patient a test patient. A patient seen in both train and held-out rows
///   goes to test as a whole, so no patient straddles splits.
/// - Validation is carved out of the remaining (train) patients; when the dataset has no held-out set,
///   test is carved out the same way.
/// - Carving sorts patients by SHA-256(seed, patient_hash) and cuts exact fractions, so the split is
///   deterministic, independent of row order, and has exactly round(fraction × patients) patients.
/// </summary>
public static class SplitPlanner
{
    public static Split[] Assign(IReadOnlyList<(string PatientHash, string? OriginalSplit)> rows,
        double valFraction, double testFraction, long seed)
    {
        if (valFraction < 0 || testFraction < 0 || valFraction + testFraction >= 1)
            throw new ArgumentException($"val fraction {valFraction} and test fraction {testFraction} must be ≥ 0 and sum below 1");
        var heldOut = new HashSet<string>(StringComparer.Ordinal);
        bool datasetHasTest = false;
        foreach (var (p, orig) in rows)
            if (IsHeldOut(orig)) { heldOut.Add(p); datasetHasTest = true; }

        var pool = rows.Select(r => r.PatientHash).Where(p => !heldOut.Contains(p)).Distinct()
            .OrderBy(p => SortKey(seed, p), StringComparer.Ordinal).ThenBy(p => p, StringComparer.Ordinal).ToList();
        var patientSplit = new Dictionary<string, Split>(StringComparer.Ordinal);
        foreach (var p in heldOut) patientSplit[p] = Split.Test;
        // Fractions are of all patients, so "--val-fraction 0.1" means 10% of patients whatever the dataset gives.
        int total = pool.Count + heldOut.Count;
        int nVal = (int)Math.Round(valFraction * total);
        int nTest = datasetHasTest ? 0 : (int)Math.Round(testFraction * total);
        nVal = Math.Min(nVal, pool.Count);
        nTest = Math.Min(nTest, pool.Count - nVal);
        for (int i = 0; i < pool.Count; i++)
            patientSplit[pool[i]] = i < nVal ? Split.Val : i < nVal + nTest ? Split.Test : Split.Train;
        return rows.Select(r => patientSplit[r.PatientHash]).ToArray();
    }

    static bool IsHeldOut(string? originalSplit) =>
        originalSplit is not null && originalSplit.ToLowerInvariant() is "test" or "valid" or "val" or "validation";

    static string SortKey(long seed, string patientHash) =>
        Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes($"{seed}:{patientHash}")));
}
