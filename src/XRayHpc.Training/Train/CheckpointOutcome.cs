namespace XRayHpc.Training.Train;

/// <summary>
/// What the run's checkpoints actually achieved, identical on every rank (each save's verdict is agreed through
/// an allreduce). The end of the run asks it whether the promised final set exists, so a failed save can never
/// end in exit 0, and messages say "the previous set is intact" only when there is one.
/// </summary>
public sealed class CheckpointOutcome
{
    /// <summary>Step of the newest set that was written and committed (this run, or the one resumed from).</summary>
    public long? LastSaved { get; private set; }
    public int Failures { get; private set; }
    public string? LastError { get; private set; }

    public void Saved(long step) => LastSaved = step;

    public void Failed(string? error)
    {
        Failures++;
        LastError = error ?? LastError;
    }

    /// <summary>The clause a failure message ends with: which earlier set a resume would use, if any.</summary>
    public string PreviousSet(string checkpointsDir) => LastSaved is { } s
        ? $"the previous checkpoint set (step {s}) in {checkpointsDir} is intact"
        : $"no checkpoint set has been written to {checkpointsDir} yet";

    /// <summary>Null when the run's last step is on disk, else why the run must not report success.</summary>
    public string? MissingFinal(long finalStep, string checkpointsDir) => LastSaved == finalStep ? null
        : $"the final checkpoint (step {finalStep}) was not saved{(LastError != null ? $": {LastError}" : "")}; {PreviousSet(checkpointsDir)}";
}
