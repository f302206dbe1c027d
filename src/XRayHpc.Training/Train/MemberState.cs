using NLog;
using XRayHpc.Distributed;
using XRayHpc.Mpi;
using XRayHpc.Torch;
using XRayHpc.Torch.amp;
using XRayHpc.Training.Config;

namespace XRayHpc.Training.Train;

/// <summary>
/// What one rank holds of its member between steps: the model and its data-parallel wrapper, where training
/// is, the hyperparameters, and the counters a checkpoint saves. The trainer's parts (the step, the tuner
/// round, checkpoints, the final evaluation) all read and change this one object.
/// </summary>
public sealed class MemberState(int member, Device device) : IDisposable
{
    public int Member { get; } = member;
    /// <summary>This rank's training device (TrainDevice), where every new model of this member is placed.</summary>
    public Device Device { get; } = device;
    /// <summary>Dynamic loss scaling when precision.dtype is fp16 (or precision.loss_scaling asks); null otherwise.</summary>
    public GradScaler? Scaler { get; set; }
    public MemberModel Model { get; private set; } = null!;
    public DataParallel Dp { get; private set; } = null!;
    /// <summary>This member's full hyperparameter set (tuned values and the config's others).</summary>
    public Dictionary<string, double> Hp { get; set; } = new();
    /// <summary>Every member's hyperparameters: world rank 0's view, broadcast so every rank holds the same.</summary>
    public List<Dictionary<string, double>> PopulationHp { get; } = new();
    /// <summary>This member's categorical hyperparameters (model, optimizer) by name, when the search space tunes
    /// them; empty otherwise (the config's model.name and optimizer.name apply).</summary>
    public Dictionary<string, string> Names { get; set; } = new();
    /// <summary>Every member's <see cref="Names"/>, like <see cref="PopulationHp"/>.</summary>
    public List<Dictionary<string, string>> PopulationNames { get; } = new();
    public long Step { get; set; }
    /// <summary>The step at which this member's current trial began (0, or where a tuner restarted the slot): the learning-rate schedule counts from here.</summary>
    public long TrialStart { get; set; }
    /// <summary>Ready points passed (the tuner's round).</summary>
    public int Round { get; set; }
    /// <summary>Steps skipped for a non-finite loss or gradient, overflow skips included.</summary>
    public long Skipped { get; set; }
    /// <summary>Of those, steps the loss scaler skipped because a gradient overflowed (inf/NaN after unscaling).</summary>
    public long Overflows { get; set; }
    public long BadInARow { get; set; }
    /// <summary>This rank's training loss since the last ready point (made member-wide there).</summary>
    public double LossSum { get; set; }
    public long LossCount { get; set; }
    /// <summary>Stopped by the tuner: the member's ranks only take part in the world's collectives.</summary>
    public bool Stopped { get; set; }

    public int BatchSize => HyperparameterSets.BatchSize(Hp);

    /// <summary>Sets every member's hyperparameters (older checkpoints have no names: an empty set each) and this member's own.</summary>
    public void SetPopulation(IEnumerable<Dictionary<string, double>> hp, IEnumerable<Dictionary<string, string>>? names)
    {
        PopulationHp.Clear();
        PopulationHp.AddRange(hp);
        PopulationNames.Clear();
        PopulationNames.AddRange(names ?? []);
        while (PopulationNames.Count < PopulationHp.Count) PopulationNames.Add(new());
        Hp = PopulationHp[Member];
        Names = PopulationNames[Member];
    }

    /// <summary>
    /// A new network and optimizer from <paramref name="seed"/> (start, restart, resume before loading). The
    /// DataParallel constructor broadcasts the member root's weights: the one weights collective per new model.
    /// </summary>
    public void NewModel(ExperimentConfig config, Communicator memberComm, int classes, long seed, IReadOnlyDictionary<string, double> hp, Logger log)
    {
        Dp?.Dispose();
        Model?.Dispose();
        Model = new MemberModel(config, classes, seed, hp, device: Device, names: Names);
        Scaler = config.Precision.Scaled ? new GradScaler(enabled: true) : null;
        if (memberComm.Rank == 0) TransferLog.Write(log, Member, Model);
        Dp = new DataParallel(Model.Net, memberComm, new DataParallelOptions());
    }

    public void Dispose()
    {
        Dp?.Dispose();
        Model?.Dispose();
    }
}
