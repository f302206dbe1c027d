using XRayHpc.Torch.nn;

namespace XRayHpc.Torch.optim;

/// <summary>
/// Stochastic gradient descent with momentum, dampening, Nesterov and (coupled) weight decay —
/// torch.optim.SGD, bit-identical. State: "state.&lt;i&gt;.momentum_buffer" once a parameter has history.
/// </summary>
public sealed class SGD : Optimizer
{
    private readonly Dictionary<Parameter, Tensor> buffers = new(ReferenceEqualityComparer.Instance);
    private readonly HashSet<Parameter> hasHistory = new(ReferenceEqualityComparer.Instance);

    public SGD(IEnumerable<Parameter> parameters, double lr, double momentum = 0, double dampening = 0,
               double weight_decay = 0, bool nesterov = false)
        : base(parameters, g =>
        {
            g.LearningRate = lr; g.Momentum = momentum; g.Dampening = dampening;
            g.WeightDecay = weight_decay; g.Nesterov = nesterov;
        })
    {
        Validate(ParamGroups[0]);
    }

    private static void Validate(ParamGroup g)
    {
        if (g.LearningRate < 0) throw new ArgumentOutOfRangeException(nameof(g.LearningRate), g.LearningRate, "invalid learning rate");
        if (g.Momentum < 0) throw new ArgumentOutOfRangeException(nameof(g.Momentum), g.Momentum, "invalid momentum");
        if (g.WeightDecay < 0) throw new ArgumentOutOfRangeException(nameof(g.WeightDecay), g.WeightDecay, "invalid weight_decay");
        if (g.Nesterov && (g.Momentum <= 0 || g.Dampening != 0))
            throw new ArgumentException("Nesterov momentum requires a momentum and zero dampening");
    }

    public override void step()
    {
        foreach (var g in ParamGroups)
        {
            Validate(g);
            var ps = g.Parameters;
            var bufs = new Tensor?[ps.Count];
            var has = new byte[ps.Count];
            if (g.Momentum != 0)
                for (int i = 0; i < ps.Count; i++)
                {
                    if (!buffers.TryGetValue(ps[i], out var b))
                    {
                        b = OptimNative.ZerosLike(ps[i]);
                        buffers[ps[i]] = b;
                    }
                    bufs[i] = b;
                    has[i] = hasHistory.Contains(ps[i]) ? (byte)1 : (byte)0;
                }
            OptimNative.SgdStep(ps, bufs, has, g.LearningRate, g.Momentum, g.Dampening, g.WeightDecay, g.Nesterov, g.Maximize);
            for (int i = 0; i < ps.Count; i++)
                if (has[i] != 0) hasHistory.Add(ps[i]);
        }
    }

    public override Dictionary<string, Tensor> state_tensors()
    {
        var d = new Dictionary<string, Tensor>();
        int i = 0;
        foreach (var p in AllParameters())
        {
            if (hasHistory.Contains(p)) d[$"state.{i}.momentum_buffer"] = buffers[p].detach().clone();
            i++;
        }
        return d;
    }

    public override void load_state_tensors(IReadOnlyDictionary<string, Tensor> state)
    {
        int i = 0;
        foreach (var p in AllParameters())
        {
            if (state.TryGetValue($"state.{i}.momentum_buffer", out var src))
            {
                if (!buffers.TryGetValue(p, out var b)) buffers[p] = b = OptimNative.ZerosLike(p);
                OptimNative.CopyInto(b, src, $"state.{i}.momentum_buffer");
                hasHistory.Add(p);
            }
            else hasHistory.Remove(p);
            i++;
        }
    }

    protected override void WriteGroupHyperparameters(ParamGroup g, string p, Dictionary<string, double> d)
    {
        d[p + "momentum"] = g.Momentum;
        d[p + "dampening"] = g.Dampening;
        d[p + "nesterov"] = g.Nesterov ? 1 : 0;
    }

    protected override void ReadGroupHyperparameters(ParamGroup g, string p, IReadOnlyDictionary<string, double> hp)
    {
        g.Momentum = Need(hp, p + "momentum");
        g.Dampening = Need(hp, p + "dampening");
        g.Nesterov = Need(hp, p + "nesterov") != 0;
    }

    public override void Dispose()
    {
        foreach (var b in buffers.Values) b.Dispose();
        buffers.Clear();
        hasHistory.Clear();
        base.Dispose();
    }
}
