namespace XRayHpc.Training.Config;

/// <summary>One problem in an experiment config, located by file, line, column and key path.</summary>
public sealed record ConfigProblem(string Source, long Line, long Column, string KeyPath, string Reason)
{
    public override string ToString() =>
        Line > 0 ? $"{Source}:{Line}:{Column}: {(KeyPath.Length > 0 ? KeyPath + ": " : "")}{Reason}"
                 : $"{Source}: {(KeyPath.Length > 0 ? KeyPath + ": " : "")}{Reason}";
}

/// <summary>Every problem found while loading a config (all are reported at once, not just the first).</summary>
public sealed class ConfigException(IReadOnlyList<ConfigProblem> problems)
    : Exception(string.Join(Environment.NewLine, problems))
{
    public IReadOnlyList<ConfigProblem> Problems { get; } = problems;
}
