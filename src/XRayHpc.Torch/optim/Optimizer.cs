using XRayHpc.Torch.nn;

namespace XRayHpc.Torch.optim;

/// <summary>
/// One parameter group with its hyperparameters. All of them may be changed between steps (PBT does):
/// the next step() uses the new values, exactly as editing torch's param_groups[i] dict.
/// </summary>
public sealed class ParamGroup
{
    public List<Parameter> Parameters { get; }
    public double LearningRate { get; set; }
    public double Momentum { get; set; }
    public double Dampening { get; set; }
    public bool Nesterov { get; set; }
    public (double, double) Betas { get; set; } = (0.9, 0.999);
    public double Eps { get; set; } = 1e-8;
    public double WeightDecay { get; set; }
    public bool Maximize { get; set; }
    /// <summary>torch's group['initial_lr']: set by the first scheduler attached to the optimizer.</summary>
    public double? InitialLearningRate { get; set; }
    /// <summary>Extra per-group values schedulers keep in torch's group dict (max_lr, min_lr, max_momentum, ...).</summary>
    public Dictionary<string, double> Schedule { get; } = new();

    public ParamGroup(IEnumerable<Parameter> parameters) => Parameters = parameters.ToList();
}

/// <summary>
/// Base of the optimizers. step() runs one fused native call per group (the update order and scalar
/// arithmetic of torch.optim's single-tensor path, bit-identical results); per-parameter state lives in
/// tensors owned by the optimizer and exported by state_tensors() for checkpoints.
/// </summary>
public abstract class Optimizer : IDisposable
{
    private readonly List<ParamGroup> groups = [];
    public IReadOnlyList<ParamGroup> ParamGroups => groups;

    protected Optimizer(IEnumerable<Parameter> parameters, Action<ParamGroup> defaults)
    {
        var g = new ParamGroup(parameters);
        defaults(g);
        add_param_group(g);
    }

    public void add_param_group(ParamGroup group)
    {
        if (group.Parameters.Count == 0) throw new ArgumentException("optimizer got an empty parameter list");
        foreach (var p in group.Parameters)
            if (groups.Any(o => o.Parameters.Any(q => ReferenceEquals(q, p))))
                throw new ArgumentException("some parameters appear in more than one parameter group");
        groups.Add(group);
        OnGroupAdded(group);
    }

    protected virtual void OnGroupAdded(ParamGroup group) { }

    /// <summary>All parameters in group order; state_tensors() names use these indices like torch's state_dict.</summary>
    protected IEnumerable<Parameter> AllParameters() => groups.SelectMany(g => g.Parameters);

    public abstract void step();

    /// <summary>
    /// Clears the gradients. The default drops them (set_to_none, PyTorch 2's default, like Module.zero_grad):
    /// backward then hands its gradient buffer over instead of zero-filling and adding into the old one,
    /// which saves two passes over all gradients per step. set_to_none: false zeroes in place (torch 1.13).
    /// </summary>
    public void zero_grad(bool set_to_none = true)
    {
        foreach (var g in groups) OptimNative.ZeroGrad(g.Parameters, set_to_none);
    }

    /// <summary>Per-parameter state as named tensors: "state.&lt;index&gt;.&lt;key&gt;" (torch's keys).</summary>
    public abstract Dictionary<string, Tensor> state_tensors();

    /// <summary>Restores state from state_tensors() output (copies; the caller keeps ownership).</summary>
    public abstract void load_state_tensors(IReadOnlyDictionary<string, Tensor> state);

    /// <summary>Every group's hyperparameters as "group.&lt;i&gt;.&lt;name&gt;" scalars.</summary>
    public Dictionary<string, double> hyperparameters()
    {
        var d = new Dictionary<string, double>();
        for (int i = 0; i < groups.Count; i++)
        {
            var g = groups[i];
            string p = $"group.{i}.";
            d[p + "lr"] = g.LearningRate;
            d[p + "weight_decay"] = g.WeightDecay;
            d[p + "maximize"] = g.Maximize ? 1 : 0;
            WriteGroupHyperparameters(g, p, d);
            if (g.InitialLearningRate is double il) d[p + "initial_lr"] = il;
            foreach (var (k, v) in g.Schedule) d[p + k] = v;
        }
        return d;
    }

    public void load_hyperparameters(IReadOnlyDictionary<string, double> hp)
    {
        for (int i = 0; i < groups.Count; i++)
        {
            var g = groups[i];
            string p = $"group.{i}.";
            g.LearningRate = Need(hp, p + "lr");
            g.WeightDecay = Need(hp, p + "weight_decay");
            g.Maximize = hp.TryGetValue(p + "maximize", out var mx) && mx != 0;
            ReadGroupHyperparameters(g, p, hp);
            g.InitialLearningRate = hp.TryGetValue(p + "initial_lr", out var il) ? il : null;
            g.Schedule.Clear();
            foreach (var (k, v) in hp)
                if (k.StartsWith(p, StringComparison.Ordinal) && k[p.Length..] is "max_lr" or "min_lr" or "max_momentum" or "base_momentum")
                    g.Schedule[k[p.Length..]] = v;
        }
    }

    protected abstract void WriteGroupHyperparameters(ParamGroup g, string prefix, Dictionary<string, double> d);
    protected abstract void ReadGroupHyperparameters(ParamGroup g, string prefix, IReadOnlyDictionary<string, double> hp);

    protected static double Need(IReadOnlyDictionary<string, double> d, string key) =>
        d.TryGetValue(key, out var v) ? v : throw new KeyNotFoundException($"optimizer hyperparameters have no '{key}'");

    protected static Tensor NeedTensor(IReadOnlyDictionary<string, Tensor> d, string key) =>
        d.TryGetValue(key, out var v) ? v : throw new KeyNotFoundException($"optimizer state has no '{key}'");

    public virtual void Dispose() => GC.SuppressFinalize(this);
}
