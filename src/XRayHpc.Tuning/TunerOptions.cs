using System.Text.Json.Serialization;

namespace XRayHpc.Tuning;

/// <summary>
/// The tuners' settings in the `tuner:` block of an experiment, with their defaults (what an omitted key means).
/// The YAML block binds onto this type (the trainer's config adds only the keys the trainer itself reads), so
/// each setting, its default and its validation (<see cref="Problems"/>) are written once, here.
/// </summary>
public record TunerOptions
{
    /// <summary>none | pbt | asha | random; none is a fixed-hyperparameter run, for which no tuner is created.</summary>
    public TunerKind Kind { get; init; } = TunerKind.None;

    // PBT
    /// <summary>Share of the population in the top and in the bottom set (truncation selection).</summary>
    public double Quantile { get; init; } = 0.25;
    /// <summary>Chance that explore resamples a value from its domain instead of perturbing it.</summary>
    public double ResampleProbability { get; init; } = 0.25;
    public List<double> PerturbFactors { get; init; } = [0.8, 1.2];

    // ASHA (grace and max rounds come after the reduction factor in a checkpoint's tuner state, which predates
    // the YAML binding: their order keeps that JSON, and so every checkpoint's bytes, as they were)
    /// <summary>Reduction factor η: a trial goes on past a rung only if it is in the top 1/η there.</summary>
    public int ReductionFactor { get; init; } = 3;
    /// <summary>Rounds (ready intervals) a trial gets before its first rung.</summary>
    [JsonPropertyOrder(1)]
    public int GraceRounds { get; init; } = 1;
    /// <summary>Rounds after which an ASHA trial is complete and its slot starts a new trial.</summary>
    [JsonPropertyOrder(1)]
    public int MaxRounds { get; init; } = 9;

    /// <summary>Every problem as (config key, what is wrong): the one validation of these settings, used by
    /// the config validator (which reports them all with the YAML line) and by <see cref="Validate"/>.</summary>
    public IEnumerable<(string Key, string Problem)> Problems()
    {
        if (Quantile is <= 0 or > 0.5) yield return ("tuner.quantile", "must be in (0, 0.5]");
        if (ResampleProbability is < 0 or > 1) yield return ("tuner.resample_probability", "must be in [0, 1]");
        if (PerturbFactors.Count == 0 || PerturbFactors.Any(f => !(f > 0))) yield return ("tuner.perturb_factors", "must be a non-empty list of positive factors");
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
