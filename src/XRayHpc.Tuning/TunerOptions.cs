namespace XRayHpc.Tuning;

/// <summary>Settings of the `tuner:` block shared by PBT, ASHA and random search.</summary>
public sealed record TunerOptions
{
    /// <summary>pbt | asha | random.</summary>
    public string Kind { get; init; } = "pbt";

    // PBT
    /// <summary>Share of the population in the top and in the bottom set (truncation selection).</summary>
    public double Quantile { get; init; } = 0.25;
    /// <summary>Chance that explore resamples a value from its domain instead of perturbing it.</summary>
    public double ResampleProbability { get; init; } = 0.25;
    public double[] PerturbFactors { get; init; } = { 0.8, 1.2 };

    // ASHA
    /// <summary>Reduction factor η: a trial goes on past a rung only if it is in the top 1/η there.</summary>
    public int ReductionFactor { get; init; } = 3;
    /// <summary>Rounds (ready intervals) a trial gets before its first rung.</summary>
    public int GraceRounds { get; init; } = 1;
    /// <summary>Rounds after which an ASHA trial is complete and its slot starts a new trial.</summary>
    public int MaxRounds { get; init; } = 9;

    public static readonly IReadOnlyList<string> Kinds = ["pbt", "asha", "random"];

    /// <summary>Every problem as (config key, what is wrong): the one validation of the `tuner:` block, used by
    /// the config validator (which reports them all with the YAML line) and by <see cref="Validate"/>.</summary>
    public IEnumerable<(string Key, string Problem)> Problems()
    {
        if (!Kinds.Contains(Kind)) yield return ("tuner.kind", $"'{Kind}' is not one of {string.Join(" | ", Kinds)}");
        if (Quantile is <= 0 or > 0.5) yield return ("tuner.quantile", "must be in (0, 0.5]");
        if (ResampleProbability is < 0 or > 1) yield return ("tuner.resample_probability", "must be in [0, 1]");
        if (PerturbFactors.Length == 0 || PerturbFactors.Any(f => !(f > 0))) yield return ("tuner.perturb_factors", "must be a non-empty list of positive factors");
        if (GraceRounds < 1) yield return ("tuner.grace_rounds", "must be >= 1");
        if (MaxRounds < GraceRounds) yield return ("tuner.max_rounds", "must be >= tuner.grace_rounds");
        if (ReductionFactor < 2) yield return ("tuner.reduction_factor", "must be >= 2");
    }

    /// <summary>Throws on the first problem, naming its key.</summary>
    public void Validate()
    {
        foreach (var (key, problem) in Problems()) throw new ArgumentException($"{key}: {problem}");
    }
}
