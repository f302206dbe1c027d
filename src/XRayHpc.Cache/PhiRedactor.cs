namespace XRayHpc.Cache;

/// <summary>
/// Removes raw patient ids from text that leaves preprocess (error messages, rejects, logs): dataset
/// paths embed them (Kermany "person12_bacteria_3.jpeg", CheXpert "patient00042/study1/…"), and so
/// can decoder messages that quote a path. Every occurrence of the raw id becomes "[p:HASH]".
/// Ids shorter than 3 characters are not rewritten: they cannot be told apart from ordinary digits.
/// </summary>
public static class PhiRedactor
{
    public static string Redact(string text, string? rawPatientId, string? patientHash)
    {
        if (string.IsNullOrEmpty(text) || string.IsNullOrEmpty(rawPatientId) || rawPatientId.Length < 3) return text;
        return text.Replace(rawPatientId, $"[p:{patientHash ?? "?"}]", StringComparison.Ordinal);
    }

    /// <summary>A path relative to the dataset root (absolute paths reveal the user's directory layout).</summary>
    public static string RelativeToRoot(string path, string root)
    {
        if (string.IsNullOrEmpty(path)) return path;
        var full = Path.GetFullPath(path, root);
        var rel = Path.GetRelativePath(Path.GetFullPath(root), full);
        return rel.Replace('\\', '/');
    }
}
