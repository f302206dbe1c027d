namespace XRayHpc.Tuning;

/// <summary>Creates a tuner from the `tuner:` config block, or rebuilds one from a checkpointed state.</summary>
public static class Tuners
{
    public static ITuner Create(TunerOptions options, SearchSpace space, int population, long seed) => options.Kind switch
    {
        "pbt" => new PbtTuner(options, space, population, seed),
        "asha" => new AshaTuner(options, space, population, seed),
        "random" => new RandomTuner(options, space, population, seed),
        _ => throw new ArgumentException($"tuner.kind: '{options.Kind}' is not one of pbt, asha, random"),
    };

    public static ITuner Restore(TunerState state) => state.Options.Kind switch
    {
        "pbt" => new PbtTuner(state),
        "asha" => new AshaTuner(state),
        "random" => new RandomTuner(state),
        _ => throw new ArgumentException($"tuner state has unknown kind '{state.Options.Kind}'"),
    };
}
