using XRayHpc.Torch.nn;

namespace XRayHpc.Torch.optim;

/// <summary>
/// Adam (coupled L2 weight decay) and, with decoupled = true, AdamW — torch.optim.Adam/AdamW without
/// amsgrad, bit-identical. State per parameter: "state.&lt;i&gt;.step" (float32 scalar like torch),
/// "state.&lt;i&gt;.exp_avg", "state.&lt;i&gt;.exp_avg_sq".
/// </summary>
public class Adam : Optimizer
{
    private sealed class Slot { public required Tensor ExpAvg; public required Tensor ExpAvgSq; public double Step; }
    private readonly Dictionary<Parameter, Slot> slots = new(ReferenceEqualityComparer.Instance);
    private readonly bool decoupled;

    public Adam(IEnumerable<Parameter> parameters, double lr = 1e-3, (double, double)? betas = null, double eps = 1e-8,
                double weight_decay = 0)
        : this(parameters, lr, betas ?? (0.9, 0.999), eps, weight_decay, decoupled: false) { }

    protected Adam(IEnumerable<Parameter> parameters, double lr, (double, double) betas, double eps, double weight_decay, bool decoupled)
        : base(parameters, g => { g.LearningRate = lr; g.Betas = betas; g.Eps = eps; g.WeightDecay = weight_decay; })
    {
        this.decoupled = decoupled;
        Validate(ParamGroups[0]);
    }

    private static void Validate(ParamGroup g)
    {
        if (g.LearningRate < 0) throw new ArgumentOutOfRangeException(nameof(g.LearningRate), g.LearningRate, "invalid learning rate");
        if (g.Eps < 0) throw new ArgumentOutOfRangeException(nameof(g.Eps), g.Eps, "invalid epsilon");
        if (g.Betas.Item1 is < 0 or >= 1) throw new ArgumentOutOfRangeException(nameof(g.Betas), g.Betas.Item1, "invalid beta1");
        if (g.Betas.Item2 is < 0 or >= 1) throw new ArgumentOutOfRangeException(nameof(g.Betas), g.Betas.Item2, "invalid beta2");
        if (g.WeightDecay < 0) throw new ArgumentOutOfRangeException(nameof(g.WeightDecay), g.WeightDecay, "invalid weight_decay");
    }

    private Slot SlotOf(Parameter p)
    {
        if (!slots.TryGetValue(p, out var s))
            slots[p] = s = new Slot { ExpAvg = OptimNative.ZerosLike(p), ExpAvgSq = OptimNative.ZerosLike(p) };
        return s;
    }

    public override void step()
    {
        foreach (var g in ParamGroups)
        {
            Validate(g);
            var ps = g.Parameters;
            var avg = new Tensor[ps.Count];
            var sq = new Tensor[ps.Count];
            var steps = new double[ps.Count];
            for (int i = 0; i < ps.Count; i++)
            {
                var s = SlotOf(ps[i]);
                avg[i] = s.ExpAvg; sq[i] = s.ExpAvgSq; steps[i] = s.Step;
            }
            OptimNative.AdamStep(ps, avg, sq, steps, g.LearningRate, g.Betas.Item1, g.Betas.Item2, g.Eps, g.WeightDecay,
                                 decoupled, g.Maximize);
            for (int i = 0; i < ps.Count; i++) slots[ps[i]].Step = steps[i];
        }
    }

    public override Dictionary<string, Tensor> state_tensors()
    {
        var d = new Dictionary<string, Tensor>();
        int i = 0;
        foreach (var p in AllParameters())
        {
            if (slots.TryGetValue(p, out var s) && s.Step > 0)
            {
                d[$"state.{i}.step"] = torch.tensor([(float)s.Step], [1]);
                d[$"state.{i}.exp_avg"] = s.ExpAvg.detach().clone();
                d[$"state.{i}.exp_avg_sq"] = s.ExpAvgSq.detach().clone();
            }
            i++;
        }
        return d;
    }

    public override void load_state_tensors(IReadOnlyDictionary<string, Tensor> state)
    {
        int i = 0;
        foreach (var p in AllParameters())
        {
            string k = $"state.{i}.";
            if (state.TryGetValue(k + "step", out var stepT))
            {
                var s = SlotOf(p);
                using (var f = stepT.to(ScalarType.Float64)) s.Step = f.ToArray<double>()[0];
                OptimNative.CopyInto(s.ExpAvg, NeedTensor(state, k + "exp_avg"), k + "exp_avg");
                OptimNative.CopyInto(s.ExpAvgSq, NeedTensor(state, k + "exp_avg_sq"), k + "exp_avg_sq");
            }
            else if (slots.Remove(p, out var old))
            {
                old.ExpAvg.Dispose();
                old.ExpAvgSq.Dispose();
            }
            i++;
        }
    }

    protected override void WriteGroupHyperparameters(ParamGroup g, string p, Dictionary<string, double> d)
    {
        d[p + "beta1"] = g.Betas.Item1;
        d[p + "beta2"] = g.Betas.Item2;
        d[p + "eps"] = g.Eps;
    }

    protected override void ReadGroupHyperparameters(ParamGroup g, string p, IReadOnlyDictionary<string, double> hp)
    {
        g.Betas = (Need(hp, p + "beta1"), Need(hp, p + "beta2"));
        g.Eps = Need(hp, p + "eps");
    }

    public override void Dispose()
    {
        foreach (var s in slots.Values) { s.ExpAvg.Dispose(); s.ExpAvgSq.Dispose(); }
        slots.Clear();
        base.Dispose();
    }
}

/// <summary>Adam with decoupled weight decay (torch.optim.AdamW; default weight_decay 1e-2 as in torch).</summary>
public sealed class AdamW : Adam
{
    public AdamW(IEnumerable<Parameter> parameters, double lr = 1e-3, (double, double)? betas = null, double eps = 1e-8,
                 double weight_decay = 1e-2)
        : base(parameters, lr, betas ?? (0.9, 0.999), eps, weight_decay, decoupled: true) { }
}
