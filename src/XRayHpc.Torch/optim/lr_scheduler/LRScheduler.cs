namespace XRayHpc.Torch.optim.lr_scheduler;

/// <summary>
/// Base of the epoch/step-indexed schedulers, mirroring torch.optim.lr_scheduler._LRScheduler (1.13):
/// construction records each group's initial_lr and performs the first step (last_epoch 0), and the
/// schedulers use torch's recursive ("chainable") formulas so values match Python to the last bit and
/// a schedule composes with runtime LR changes (PBT) exactly as in torch.
/// </summary>
public abstract class LRScheduler
{
    public Optimizer Optimizer { get; }
    public double[] base_lrs { get; protected set; }
    public long last_epoch { get; protected set; } = -1;
    protected long step_count;
    private double[] lastLr = [];

    protected LRScheduler(Optimizer optimizer)
    {
        Optimizer = optimizer;
        foreach (var g in optimizer.ParamGroups) g.InitialLearningRate ??= g.LearningRate;
        base_lrs = optimizer.ParamGroups.Select(g => g.InitialLearningRate!.Value).ToArray();
    }

    /// <summary>Subclasses call this at the end of their constructor (torch's _initial_step).</summary>
    protected void InitialStep()
    {
        step_count = 0;
        step();
    }

    /// <summary>The learning rates for last_epoch, computed from the groups' current values.</summary>
    protected abstract double[] get_lr();

    public virtual void step()
    {
        step_count++;
        last_epoch++;
        var lrs = get_lr();
        for (int i = 0; i < lrs.Length; i++) Optimizer.ParamGroups[i].LearningRate = lrs[i];
        lastLr = lrs;
    }

    public double[] get_last_lr() => (double[])lastLr.Clone();

    /// <summary>Scalar state for checkpoints (resume continues the same schedule).</summary>
    public virtual Dictionary<string, double> state_dict()
    {
        var d = new Dictionary<string, double> { ["last_epoch"] = last_epoch, ["_step_count"] = step_count };
        for (int i = 0; i < base_lrs.Length; i++) d[$"base_lrs.{i}"] = base_lrs[i];
        for (int i = 0; i < lastLr.Length; i++) d[$"_last_lr.{i}"] = lastLr[i];
        return d;
    }

    public virtual void load_state_dict(IReadOnlyDictionary<string, double> state)
    {
        last_epoch = (long)Need(state, "last_epoch");
        step_count = (long)Need(state, "_step_count");
        base_lrs = Enumerable.Range(0, base_lrs.Length).Select(i => Need(state, $"base_lrs.{i}")).ToArray();
        lastLr = Enumerable.Range(0, Optimizer.ParamGroups.Count)
            .Select(i => state.TryGetValue($"_last_lr.{i}", out var v) ? v : Optimizer.ParamGroups[i].LearningRate).ToArray();
    }

    protected double[] CurrentLrs() => Optimizer.ParamGroups.Select(g => g.LearningRate).ToArray();

    protected static double Need(IReadOnlyDictionary<string, double> state, string key) =>
        state.TryGetValue(key, out var v) ? v : throw new KeyNotFoundException($"scheduler state has no '{key}'");
}
