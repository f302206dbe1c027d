namespace XRayHpc.Tuning;

/// <summary>
/// A hyperparameter tuner as a pure decision object: it sees scores and returns decisions; it never touches
/// tensors, files or MPI, so every policy is unit-testable and the trainer alone carries decisions out.
/// </summary>
public interface ITuner
{
    string Kind { get; }
    int Population { get; }
    /// <summary>The hyperparameters each member trains with now.</summary>
    IReadOnlyList<Hyperparameters> Current { get; }
    IReadOnlyList<LineageRecord> Lineage { get; }
    /// <summary>Called once per ready point with one result per member (in member order).</summary>
    IReadOnlyList<MemberDecision> Decide(int round, long step, IReadOnlyList<MemberResult> results);
    TunerState Save();
}
