namespace XRayHpc.Training.Run;

/// <summary>The run directory's paths, in one place (the format other areas read is in this project's README).</summary>
public sealed class RunLayout(string dir, string? checkpointDir = null)
{
    public string Dir { get; } = Path.GetFullPath(dir);
    public string ResolvedConfig => Path.Combine(Dir, "config.resolved.yaml");
    public string Metrics => Path.Combine(Dir, "metrics.jsonl");
    public string Lineage => Path.Combine(Dir, "lineage.jsonl");
    public string Predictions => Path.Combine(Dir, "predictions.csv");
    public string Summary => Path.Combine(Dir, "summary.json");
    public string Checkpoints { get; } = string.IsNullOrEmpty(checkpointDir) ? Path.Combine(Path.GetFullPath(dir), "checkpoints") : Path.GetFullPath(checkpointDir);
    public string Logs => Path.Combine(Dir, "logs");
    public string RankLog(int rank) => Path.Combine(Logs, $"rank-{rank}.log");
}
