using XRayHpc.Torch.optim;

namespace XRayHpc.Torch.amp;

/// <summary>
/// Loss scaling for fp16 training (torch.cuda.amp.GradScaler): scale(loss) multiplies the loss by the
/// current scale, step() unscales the gradients and skips the optimizer step when any is inf/NaN, and
/// update() backs the scale off after an overflow or grows it after growth_interval clean steps.
/// bf16 needs no scaling, so by default the scaler is enabled only when CUDA is available; a disabled
/// scaler is the identity (scale returns the loss, step just steps). Tests enable it on CPU.
/// </summary>
public sealed class GradScaler
{
    private enum StageState { Ready, Unscaled, Stepped }

    public bool Enabled { get; }
    public double GrowthFactor { get; set; }
    public double BackoffFactor { get; set; }
    public int GrowthInterval { get; set; }
    private double scale;
    private int growthTracker;
    private readonly Dictionary<Optimizer, (StageState Stage, bool FoundInf)> perOptimizer = new(ReferenceEqualityComparer.Instance);

    public GradScaler(double init_scale = 65536.0, double growth_factor = 2.0, double backoff_factor = 0.5,
                      int growth_interval = 2000, bool? enabled = null)
    {
        if (growth_factor <= 1.0) throw new ArgumentOutOfRangeException(nameof(growth_factor), growth_factor, "must be > 1");
        if (backoff_factor is <= 0 or >= 1) throw new ArgumentOutOfRangeException(nameof(backoff_factor), backoff_factor, "must be in (0, 1)");
        if (growth_interval < 1) throw new ArgumentOutOfRangeException(nameof(growth_interval), growth_interval, "must be >= 1");
        Enabled = enabled ?? torch.cuda_is_available();
        scale = init_scale;
        GrowthFactor = growth_factor;
        BackoffFactor = backoff_factor;
        GrowthInterval = growth_interval;
    }

    /// <summary>The current scale (1 when disabled). Kept as a double: every value it takes is init·2^k, exact in fp32 too.</summary>
    public double get_scale() => Enabled ? scale : 1.0;
    public int growth_tracker => growthTracker;

    /// <summary>loss × scale as a new tensor; the loss itself when disabled.</summary>
    public Tensor scale_loss(Tensor loss) => Enabled ? loss.mul(scale) : loss;

    /// <summary>Divides the optimizer's gradients by the scale (once per step) and records whether any was not finite.</summary>
    public void unscale_(Optimizer optimizer)
    {
        if (!Enabled) return;
        var st = Stage(optimizer);
        if (st.Stage == StageState.Unscaled) throw new InvalidOperationException("unscale_() has already been called on this optimizer since the last update()");
        if (st.Stage == StageState.Stepped) throw new InvalidOperationException("unscale_() is being called after step()");
        bool found = false;
        double inv = 1.0 / scale;
        foreach (var g in optimizer.ParamGroups)
            found |= OptimNative.UnscaleGrads(g.Parameters, (float)inv);
        perOptimizer[optimizer] = (StageState.Unscaled, found);
    }

    /// <summary>Steps the optimizer unless the gradients held inf/NaN; returns whether it stepped.</summary>
    public bool step(Optimizer optimizer)
    {
        if (!Enabled)
        {
            optimizer.step();
            return true;
        }
        if (Stage(optimizer).Stage == StageState.Stepped) throw new InvalidOperationException("step() has already been called since the last update()");
        if (Stage(optimizer).Stage == StageState.Ready) unscale_(optimizer);
        var (_, foundInf) = perOptimizer[optimizer];
        perOptimizer[optimizer] = (StageState.Stepped, foundInf);
        if (foundInf) return false;
        optimizer.step();
        return true;
    }

    /// <summary>Adjusts the scale from this step's overflow result (torch._amp_update_scale_).</summary>
    public void update()
    {
        if (!Enabled) return;
        if (perOptimizer.Count == 0) throw new InvalidOperationException("update() called without any unscale_()/step() since the last update()");
        bool foundInf = perOptimizer.Values.Any(v => v.FoundInf);
        if (foundInf)
        {
            scale *= BackoffFactor;
            growthTracker = 0;
        }
        else if (++growthTracker == GrowthInterval)
        {
            scale *= GrowthFactor;
            growthTracker = 0;
        }
        perOptimizer.Clear();
    }

    private (StageState Stage, bool FoundInf) Stage(Optimizer o) =>
        perOptimizer.TryGetValue(o, out var s) ? s : (StageState.Ready, false);

    public Dictionary<string, double> state_dict() => new()
    {
        ["scale"] = scale, ["growth_factor"] = GrowthFactor, ["backoff_factor"] = BackoffFactor,
        ["growth_interval"] = GrowthInterval, ["_growth_tracker"] = growthTracker,
    };

    public void load_state_dict(IReadOnlyDictionary<string, double> s)
    {
        double Get(string k) => s.TryGetValue(k, out var v) ? v : throw new KeyNotFoundException($"GradScaler state has no '{k}'");
        scale = Get("scale");
        GrowthFactor = Get("growth_factor");
        BackoffFactor = Get("backoff_factor");
        GrowthInterval = (int)Get("growth_interval");
        growthTracker = (int)Get("_growth_tracker");
    }
}
