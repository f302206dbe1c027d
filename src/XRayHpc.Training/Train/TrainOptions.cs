using XRayHpc.Training.Run;

namespace XRayHpc.Training.Train;

/// <summary>Command-line choices of `xrayhpc train` beyond the config itself.</summary>
public sealed record TrainOptions
{
    /// <summary>Continue from the latest complete checkpoint set of run.dir (fresh start, said on the console, when there is none).</summary>
    public bool Resume { get; init; }
    /// <summary>Replace the run already in run.dir (without it such a run is refused, exit 2).</summary>
    public bool Overwrite { get; init; }
    /// <summary>Retrain one member's hyperparameter schedule from this lineage.jsonl (population 1).</summary>
    public string? ReplayLineage { get; init; }
    public int ReplayMember { get; init; }
    /// <summary>What this rank shows while training (the CLI's console view; nothing when not given).</summary>
    public ITrainingProgress Progress { get; init; } = new NoProgress();
}
