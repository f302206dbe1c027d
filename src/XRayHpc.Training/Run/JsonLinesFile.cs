namespace XRayHpc.Training.Run;

/// <summary>
/// Appends JSON lines (world rank 0 only). Flushed per line so a killed job leaves complete lines; on resume
/// the lines after the checkpoint's step are cut so the file reads as if the run had never stopped.
/// </summary>
public sealed class JsonLinesFile(string path)
{
    public string Path { get; } = path;

    public void Append(IEnumerable<string> lines)
    {
        using var w = new StreamWriter(Path, append: true);
        foreach (var l in lines) w.Write(l + "\n");
        w.Flush();
    }

    /// <summary>Keeps lines whose "step" is at most <paramref name="step"/> (and drops a torn last line).</summary>
    public void TruncateAfter(long step)
    {
        if (!File.Exists(Path)) return;
        var keep = new List<string>();
        foreach (var line in File.ReadAllLines(Path))
        {
            try
            {
                using var doc = System.Text.Json.JsonDocument.Parse(line);
                if (doc.RootElement.GetProperty("step").GetInt64() <= step) keep.Add(line);
            }
            catch (System.Text.Json.JsonException) { /* a torn line from the killed run */ }
        }
        File.WriteAllText(Path, string.Concat(keep.Select(l => l + "\n")));
    }
}
