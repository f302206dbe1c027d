namespace XRayHpc.Tuning;

/// <summary>
/// Random search: each member trains its own sampled configuration for the whole budget. A member that
/// diverges is restarted with a new sample so the slot's compute is not wasted.
/// </summary>
public sealed class RandomTuner : TunerBase
{
    public RandomTuner(TunerOptions options, SearchSpace space, int population, long seed) : base(options, space, population, seed) { }
    internal RandomTuner(TunerState state) : base(state) { }

    public override string Kind => "random";

    protected override IReadOnlyList<MemberDecision> DecideCore(int round, long step, IReadOnlyList<MemberResult> results) =>
        results.Select(r => r.Failed || double.IsNaN(r.Score)
            ? (MemberDecision)NewTrial(r.Member, round, step)
            : new Continue(r.Member)).ToList();
}
