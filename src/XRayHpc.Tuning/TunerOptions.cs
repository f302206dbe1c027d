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

    public void Validate()
    {
        string[] kinds = { "pbt", "asha", "random" };
        if (!kinds.Contains(Kind)) throw new ArgumentException($"tuner.kind: '{Kind}' is not one of {string.Join(", ", kinds)}");
        if (Quantile is <= 0 or > 0.5) throw new ArgumentException($"tuner.quantile: {Quantile} must be in (0, 0.5]");
        if (ResampleProbability is < 0 or > 1) throw new ArgumentException($"tuner.resample_probability: {ResampleProbability} must be in [0, 1]");
        if (PerturbFactors.Length == 0 || PerturbFactors.Any(f => f <= 0)) throw new ArgumentException("tuner.perturb_factors: needs positive factors");
        if (ReductionFactor < 2) throw new ArgumentException($"tuner.reduction_factor: {ReductionFactor} must be at least 2");
        if (GraceRounds < 1) throw new ArgumentException($"tuner.grace_rounds: {GraceRounds} must be at least 1");
        if (MaxRounds < GraceRounds) throw new ArgumentException($"tuner.max_rounds: {MaxRounds} is below grace_rounds {GraceRounds}");
    }
}
