namespace XRayHpc.Torch.optim.lr_scheduler;

/// <summary>Multiplies the LR by gamma every stepSize steps (torch StepLR).</summary>
public sealed class StepLR : LRScheduler
{
    public int StepSize { get; }
    public double Gamma { get; }

    public StepLR(Optimizer optimizer, int step_size, double gamma = 0.1) : base(optimizer)
    {
        if (step_size < 1) throw new ArgumentOutOfRangeException(nameof(step_size), step_size, "must be >= 1");
        StepSize = step_size;
        Gamma = gamma;
        InitialStep();
    }

    protected override double[] get_lr()
    {
        var lrs = CurrentLrs();
        if (last_epoch == 0 || last_epoch % StepSize != 0) return lrs;
        return lrs.Select(lr => lr * Gamma).ToArray();
    }
}

/// <summary>Cosine annealing from the base LR to eta_min over T_max steps (torch CosineAnnealingLR, recursive form).</summary>
public sealed class CosineAnnealingLR : LRScheduler
{
    public int TMax { get; }
    public double EtaMin { get; }

    public CosineAnnealingLR(Optimizer optimizer, int T_max, double eta_min = 0) : base(optimizer)
    {
        if (T_max < 1) throw new ArgumentOutOfRangeException(nameof(T_max), T_max, "must be >= 1");
        TMax = T_max;
        EtaMin = eta_min;
        InitialStep();
    }

    protected override double[] get_lr()
    {
        var lrs = CurrentLrs();
        if (last_epoch == 0) return lrs;
        if (step_count == 1 && last_epoch > 0)
            return base_lrs.Select(b => EtaMin + (b - EtaMin) * (1 + Math.Cos(last_epoch * Math.PI / TMax)) / 2).ToArray();
        if ((last_epoch - 1 - TMax) % (2 * TMax) == 0)
            return lrs.Select((lr, i) => lr + (base_lrs[i] - EtaMin) * (1 - Math.Cos(Math.PI / TMax)) / 2).ToArray();
        return lrs.Select(lr => (1 + Math.Cos(Math.PI * last_epoch / TMax)) /
                                (1 + Math.Cos(Math.PI * (last_epoch - 1) / TMax)) * (lr - EtaMin) + EtaMin).ToArray();
    }
}

/// <summary>
/// Linear ramp of the LR factor from start_factor to end_factor over total_iters steps (torch LinearLR);
/// the building block of <see cref="LinearWarmup"/>.
/// </summary>
public sealed class LinearLR : LRScheduler
{
    public double StartFactor { get; }
    public double EndFactor { get; }
    public int TotalIters { get; }

    public LinearLR(Optimizer optimizer, double start_factor = 1.0 / 3, double end_factor = 1.0, int total_iters = 5) : base(optimizer)
    {
        if (start_factor is > 1.0 or <= 0) throw new ArgumentOutOfRangeException(nameof(start_factor), start_factor, "must be in (0, 1]");
        if (end_factor is > 1.0 or < 0) throw new ArgumentOutOfRangeException(nameof(end_factor), end_factor, "must be in [0, 1]");
        if (total_iters < 1) throw new ArgumentOutOfRangeException(nameof(total_iters), total_iters, "must be >= 1");
        StartFactor = start_factor;
        EndFactor = end_factor;
        TotalIters = total_iters;
        InitialStep();
    }

    protected override double[] get_lr()
    {
        var lrs = CurrentLrs();
        if (last_epoch == 0) return lrs.Select(lr => lr * StartFactor).ToArray();
        if (last_epoch > TotalIters) return lrs;
        double f = 1.0 + (EndFactor - StartFactor) /
                   (TotalIters * StartFactor + (last_epoch - 1) * (EndFactor - StartFactor));
        return lrs.Select(lr => lr * f).ToArray();
    }
}

/// <summary>
/// Linear warm-up wrapped around another schedule: the LR is the inner schedule's LR times a factor
/// rising linearly from start_factor to 1 over warmup_steps. Identical to torch's
/// ChainedScheduler([LinearLR(opt, start_factor, 1.0, warmup_steps), inner]) with the LinearLR
/// constructed before the inner scheduler; use <see cref="Create"/> to get that order right.
/// </summary>
public sealed class LinearWarmup
{
    public LinearLR Warmup { get; }
    public LRScheduler Inner { get; }

    private LinearWarmup(LinearLR warmup, LRScheduler inner) { Warmup = warmup; Inner = inner; }

    /// <summary>innerFactory builds the wrapped schedule after the warm-up factor is applied (torch's order).</summary>
    public static LinearWarmup Create(Optimizer optimizer, int warmup_steps, double start_factor,
                                      Func<Optimizer, LRScheduler> innerFactory)
    {
        var warmup = new LinearLR(optimizer, start_factor, 1.0, warmup_steps);
        var inner = innerFactory(optimizer);
        if (!ReferenceEquals(inner.Optimizer, optimizer))
            throw new ArgumentException("the wrapped scheduler must drive the same optimizer", nameof(innerFactory));
        return new LinearWarmup(warmup, inner);
    }

    public Optimizer Optimizer => Inner.Optimizer;

    public void step()
    {
        Warmup.step();
        Inner.step();
    }

    public double[] get_last_lr() => Optimizer.ParamGroups.Select(g => g.LearningRate).ToArray();

    public Dictionary<string, double> state_dict()
    {
        var d = new Dictionary<string, double>();
        foreach (var (k, v) in Warmup.state_dict()) d["warmup." + k] = v;
        foreach (var (k, v) in Inner.state_dict()) d["inner." + k] = v;
        return d;
    }

    public void load_state_dict(IReadOnlyDictionary<string, double> state)
    {
        Warmup.load_state_dict(Sub(state, "warmup."));
        Inner.load_state_dict(Sub(state, "inner."));
    }

    private static Dictionary<string, double> Sub(IReadOnlyDictionary<string, double> s, string prefix) =>
        s.Where(kv => kv.Key.StartsWith(prefix, StringComparison.Ordinal))
         .ToDictionary(kv => kv.Key[prefix.Length..], kv => kv.Value);
}

public enum AnnealStrategy { Cos, Linear }

/// <summary>
/// The 1cycle policy (torch OneCycleLR, two-phase): LR warms from max_lr/div_factor to max_lr over
/// pct_start of total_steps, then anneals to initial/final_div_factor; momentum (SGD) or beta1 (Adam)
/// cycles inversely between max_momentum and base_momentum.
/// </summary>
public sealed class OneCycleLR : LRScheduler
{
    private readonly (double EndStep, string StartLr, string EndLr, string StartMom, string EndMom)[] phases;
    public int TotalSteps { get; }
    public AnnealStrategy Anneal { get; }
    public bool CycleMomentum { get; }

    public OneCycleLR(Optimizer optimizer, double max_lr, int total_steps, double pct_start = 0.3,
                      AnnealStrategy anneal_strategy = AnnealStrategy.Cos, bool cycle_momentum = true,
                      double base_momentum = 0.85, double max_momentum = 0.95, double div_factor = 25.0,
                      double final_div_factor = 1e4, bool three_phase = false)
        : base(PrepareGroups(optimizer, max_lr, div_factor, final_div_factor, cycle_momentum, base_momentum, max_momentum))
    {
        if (total_steps < 1) throw new ArgumentOutOfRangeException(nameof(total_steps), total_steps, "must be >= 1");
        if (pct_start is < 0 or > 1) throw new ArgumentOutOfRangeException(nameof(pct_start), pct_start, "must be in [0, 1]");
        TotalSteps = total_steps;
        Anneal = anneal_strategy;
        CycleMomentum = cycle_momentum;
        phases = three_phase
            ? [(pct_start * total_steps - 1, "initial_lr", "max_lr", "max_momentum", "base_momentum"),
               (2 * pct_start * total_steps - 2, "max_lr", "initial_lr", "base_momentum", "max_momentum"),
               (total_steps - 1, "initial_lr", "min_lr", "max_momentum", "max_momentum")]
            : [(pct_start * total_steps - 1, "initial_lr", "max_lr", "max_momentum", "base_momentum"),
               (total_steps - 1, "max_lr", "min_lr", "base_momentum", "max_momentum")];
        InitialStep();
    }

    private static Optimizer PrepareGroups(Optimizer opt, double maxLr, double divFactor, double finalDivFactor,
                                           bool cycleMomentum, double baseMomentum, double maxMomentum)
    {
        foreach (var g in opt.ParamGroups)
        {
            g.InitialLearningRate = maxLr / divFactor;
            g.Schedule["max_lr"] = maxLr;
            g.Schedule["min_lr"] = g.InitialLearningRate.Value / finalDivFactor;
            if (cycleMomentum)
            {
                if (opt is SGD) g.Momentum = maxMomentum;
                else g.Betas = (maxMomentum, g.Betas.Item2);
                g.Schedule["max_momentum"] = maxMomentum;
                g.Schedule["base_momentum"] = baseMomentum;
            }
        }
        return opt;
    }

    private double Fn(double start, double end, double pct) => Anneal == AnnealStrategy.Cos
        ? end + (start - end) / 2.0 * (Math.Cos(Math.PI * pct) + 1)
        : (end - start) * pct + start;

    private static double Value(ParamGroup g, string key) => key == "initial_lr" ? g.InitialLearningRate!.Value : g.Schedule[key];

    protected override double[] get_lr()
    {
        long stepNum = last_epoch;
        if (stepNum > TotalSteps)
            throw new InvalidOperationException($"OneCycleLR stepped {stepNum + 1} times; total_steps is {TotalSteps}");
        var lrs = new double[Optimizer.ParamGroups.Count];
        for (int gi = 0; gi < lrs.Length; gi++)
        {
            var g = Optimizer.ParamGroups[gi];
            double startStep = 0;
            for (int i = 0; i < phases.Length; i++)
            {
                var ph = phases[i];
                if (stepNum <= ph.EndStep || i == phases.Length - 1)
                {
                    double pct = (stepNum - startStep) / (ph.EndStep - startStep);
                    lrs[gi] = Fn(Value(g, ph.StartLr), Value(g, ph.EndLr), pct);
                    if (CycleMomentum)
                    {
                        double m = Fn(g.Schedule[ph.StartMom], g.Schedule[ph.EndMom], pct);
                        if (Optimizer is SGD) g.Momentum = m;
                        else g.Betas = (m, g.Betas.Item2);
                    }
                    break;
                }
                startStep = ph.EndStep;
            }
        }
        return lrs;
    }
}

public enum PlateauMode { Min, Max }
public enum ThresholdMode { Rel, Abs }

/// <summary>Cuts the LR by factor when the metric stopped improving for patience steps (torch ReduceLROnPlateau).</summary>
public sealed class ReduceLROnPlateau
{
    public Optimizer Optimizer { get; }
    public PlateauMode Mode { get; }
    public double Factor { get; }
    public int Patience { get; }
    public double Threshold { get; }
    public ThresholdMode ThresholdMode { get; }
    public int Cooldown { get; }
    public double MinLr { get; }
    public double Eps { get; }
    public double best { get; private set; }
    public int num_bad_epochs { get; private set; }
    public int cooldown_counter { get; private set; }
    public long last_epoch { get; private set; }

    public ReduceLROnPlateau(Optimizer optimizer, PlateauMode mode = PlateauMode.Min, double factor = 0.1,
                             int patience = 10, double threshold = 1e-4, ThresholdMode threshold_mode = ThresholdMode.Rel,
                             int cooldown = 0, double min_lr = 0, double eps = 1e-8)
    {
        if (factor >= 1.0) throw new ArgumentOutOfRangeException(nameof(factor), factor, "factor must be < 1.0");
        Optimizer = optimizer;
        Mode = mode;
        Factor = factor;
        Patience = patience;
        Threshold = threshold;
        ThresholdMode = threshold_mode;
        Cooldown = cooldown;
        MinLr = min_lr;
        Eps = eps;
        best = mode == PlateauMode.Min ? double.PositiveInfinity : double.NegativeInfinity;
    }

    public void step(double metric)
    {
        last_epoch++;
        if (IsBetter(metric, best))
        {
            best = metric;
            num_bad_epochs = 0;
        }
        else num_bad_epochs++;
        if (cooldown_counter > 0)
        {
            cooldown_counter--;
            num_bad_epochs = 0;
        }
        if (num_bad_epochs > Patience)
        {
            foreach (var g in Optimizer.ParamGroups)
            {
                double oldLr = g.LearningRate, newLr = Math.Max(oldLr * Factor, MinLr);
                if (oldLr - newLr > Eps) g.LearningRate = newLr;
            }
            cooldown_counter = Cooldown;
            num_bad_epochs = 0;
        }
    }

    private bool IsBetter(double a, double b) => (Mode, ThresholdMode) switch
    {
        (PlateauMode.Min, ThresholdMode.Rel) => a < b * (1.0 - Threshold),
        (PlateauMode.Min, ThresholdMode.Abs) => a < b - Threshold,
        (PlateauMode.Max, ThresholdMode.Rel) => a > b * (Threshold + 1.0),
        _ => a > b + Threshold,
    };

    public double[] get_last_lr() => Optimizer.ParamGroups.Select(g => g.LearningRate).ToArray();

    public Dictionary<string, double> state_dict() => new()
    {
        ["best"] = best, ["num_bad_epochs"] = num_bad_epochs, ["cooldown_counter"] = cooldown_counter,
        ["last_epoch"] = last_epoch,
    };

    public void load_state_dict(IReadOnlyDictionary<string, double> s)
    {
        double Get(string k) => s.TryGetValue(k, out var v) ? v : throw new KeyNotFoundException($"scheduler state has no '{k}'");
        best = Get("best");
        num_bad_epochs = (int)Get("num_bad_epochs");
        cooldown_counter = (int)Get("cooldown_counter");
        last_epoch = (long)Get("last_epoch");
    }
}
