namespace XRayHpc.Checkpoint;

/// <summary>
/// state.yaml of one member checkpoint: everything besides the tensors that a bit-exact resume needs.
/// Written last inside the step directory; <see cref="Files"/> lets a reader prove the directory is complete.
/// </summary>
public sealed class CheckpointState
{
    public int Member { get; set; }
    public long Step { get; set; }
    /// <summary>Step at which the member's current trial began (a tuner restart); its learning-rate schedule counts from here. 0 in older checkpoints, which is what they meant.</summary>
    public long TrialStart { get; set; }
    /// <summary>PBT round (ready points passed).</summary>
    public int Round { get; set; }
    /// <summary>Data cursor: epoch and the number of batches of that epoch already consumed.</summary>
    public int Epoch { get; set; }
    public long BatchInEpoch { get; set; }
    public long SkippedSteps { get; set; }
    public long ConsecutiveBadSteps { get; set; }
    public Dictionary<string, double> Hyperparameters { get; set; } = new();
    /// <summary>Categorical hyperparameters by name (model, optimizer) when the search space tunes them; empty
    /// otherwise (and in checkpoints written before they existed): the config's model.name / optimizer.name apply.</summary>
    public Dictionary<string, string> Names { get; set; } = new();
    public Dictionary<string, double> Metrics { get; set; } = new();
    /// <summary>Always empty: the learning rate is a pure function of the step (LrSchedule) and keeps no state.
    /// Kept so that state.yaml files that carry `scheduler: {}` still parse (the reader refuses unknown keys).</summary>
    public Dictionary<string, double> Scheduler { get; set; } = new();
    /// <summary>RNG states by purpose (torch native state, managed generators), base64.</summary>
    public Dictionary<string, string> Rng { get; set; } = new();
    /// <summary>The tuner's JSON state (identical in every member of a set).</summary>
    public string TunerState { get; set; } = "";
    /// <summary>Every member's hyperparameters as world rank 0 held them (the population; the same in every member of a set).</summary>
    public List<Dictionary<string, double>> PopulationHyperparameters { get; set; } = new();
    /// <summary>Every member's <see cref="Names"/> (empty list: none tuned).</summary>
    public List<Dictionary<string, string>> PopulationNames { get; set; } = new();
    /// <summary>The tuner stopped this member: its ranks only take part in the world's collectives.</summary>
    public bool Stopped { get; set; }
    /// <summary>Each member rank's training-loss sum and count since the last evaluation, in member-rank order
    /// (the member-wide mean is formed at the next evaluation).</summary>
    public List<RankTrainLoss> TrainLoss { get; set; } = new();
    /// <summary>The loss scaler's state (torch.amp.GradScaler's state_dict: scale, growth tracker, factors) when the run
    /// scales its loss (fp16, or precision.loss_scaling); empty otherwise. The scale took many steps to settle, so a
    /// resume continues with it.</summary>
    public Dictionary<string, double> GradScaler { get; set; } = new();
    /// <summary>Steps the loss scaler skipped on an inf/NaN gradient so far (also counted in <see cref="SkippedSteps"/>).</summary>
    public long OverflowSteps { get; set; }
    /// <summary>Checkpoints written before the typed fields above held them as strings here ("population_hp",
    /// "stopped", "train_loss_sum.R", "train_loss_count.R"); read on resume, no longer written.</summary>
    public Dictionary<string, string> Extra { get; set; } = new();
    /// <summary>Every other file of the directory with its size and SHA-256; filled in by the writer.</summary>
    public Dictionary<string, CheckpointFile> Files { get; set; } = new();
}
