namespace XRayHpc.Tuning;

/// <summary>Creates a tuner from the `tuner:` config block, or rebuilds one from a checkpointed state.</summary>
public static class Tuners
{
    public static ITuner Create(TunerOptions options, SearchSpace space, int population, long seed) => options.Kind switch
    {
        TunerKind.Pbt => new PbtTuner(options, space, population, seed),
        TunerKind.Asha => new AshaTuner(options, space, population, seed),
        TunerKind.Random => new RandomTuner(options, space, population, seed),
        _ => throw new ArgumentException($"tuner.kind: {Name(options.Kind)} creates no tuner (pbt | asha | random)"),
    };

    public static ITuner Restore(TunerState state) => state.Options.Kind switch
    {
        TunerKind.Pbt => new PbtTuner(state),
        TunerKind.Asha => new AshaTuner(state),
        TunerKind.Random => new RandomTuner(state),
        _ => throw new ArgumentException($"tuner state has kind '{Name(state.Options.Kind)}', which is not a tuner"),
    };

    static string Name(TunerKind kind) => kind.ToString().ToLowerInvariant();
}
