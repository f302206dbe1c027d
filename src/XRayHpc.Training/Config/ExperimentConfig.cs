using XRayHpc.Tuning;

namespace XRayHpc.Training.Config;

// One typed object per experiment. Property names map to snake_case YAML keys (WeightDecay -> weight_decay);
// enum values map to their lower-case names. Defaults here are what an omitted key means.

/// <summary>The whole experiment: what `xrayhpc train` reads from YAML (plus `--set` overrides).</summary>
public sealed class ExperimentConfig
{
    public RunConfig Run { get; set; } = new();
    public DataConfig Data { get; set; } = new();
    public ModelConfig Model { get; set; } = new();
    public OptimizerConfig Optimizer { get; set; } = new();
    public ScheduleConfig Schedule { get; set; } = new();
    public PrecisionConfig Precision { get; set; } = new();
    public TunerConfig Tuner { get; set; } = new();
    public CheckpointConfig Checkpoint { get; set; } = new();
    public LoggingConfig Logging { get; set; } = new();
}

public sealed class RunConfig
{
    public string Name { get; set; } = "experiment";
    /// <summary>The run directory (metrics, lineage, checkpoints, logs). Relative paths are relative to the working directory.</summary>
    public string Dir { get; set; } = "runs/experiment";
    public long Seed { get; set; } = 0;
    /// <summary>Torch threads per rank; 0 = SLURM_CPUS_PER_TASK, else cores / local ranks.</summary>
    public int Threads { get; set; } = 0;
    /// <summary>Seconds a collective may take before the job is aborted naming the ranks that had not arrived
    /// (a stopped rank, a hung file system); 0 = wait forever. Generous: rank 0 may write a checkpoint or
    /// verify shards while the others wait.</summary>
    public double CollectiveTimeout { get; set; } = 600;
    /// <summary>auto: a GPU when the shim was built with CUDA and one is visible, else the CPU; cuda: a GPU or a
    /// startup error (never a silent CPU run); cpu. One GPU per rank, chosen by node-local rank (DeviceChoice).</summary>
    public XRayHpc.Torch.DeviceSetting Device { get; set; } = XRayHpc.Torch.DeviceSetting.Auto;
    /// <summary>More ranks on a node than visible GPUs share them round-robin instead of failing: for a test on a
    /// one-GPU machine (each rank gets a fraction of the GPU's memory and speed), not for production runs.</summary>
    public bool ShareDevices { get; set; } = false;
}

public enum TaskKind { Auto, Multiclass, Multilabel }

public sealed class DataConfig
{
    /// <summary>Preprocessed cache directory (manifest.yaml + train/val/test parquet).</summary>
    public string Cache { get; set; } = "";
    /// <summary>auto: one class or several independent labels -> multilabel (BCE); multiclass -> softmax CE over labels.</summary>
    public TaskKind Task { get; set; } = TaskKind.Auto;
    public int BatchSize { get; set; } = 32;
    public int EvalBatchSize { get; set; } = 64;
    public bool Augment { get; set; } = true;
    public bool Balanced { get; set; } = false;
    public int Prefetch { get; set; } = 2;
    public int LoaderThreads { get; set; } = 1;
    /// <summary>BCE pos_weight = negatives/positives per class from the train split (multilabel only).</summary>
    public bool PosWeight { get; set; } = true;
    /// <summary>pages: every Parquet page's CRC-32 is checked as it is read (always on). full: also every shard's
    /// SHA-256 against manifest.yaml, once per shard, before the first step.</summary>
    public CacheVerification Verify { get; set; } = CacheVerification.Pages;
    /// <summary>dataset: the cache's pixel mean/std; imagenet: ImageNet's, averaged over RGB for the grey channel
    /// (what weights pretrained on ImageNet expect; see <see cref="Train.Normalization"/>).</summary>
    public NormalizeKind Normalize { get; set; } = NormalizeKind.Dataset;
}

public enum NormalizeKind { Dataset, Imagenet }

public enum CacheVerification { Pages, Full }

public sealed class ModelConfig
{
    public string Name { get; set; } = "resnet18";
    public int InChannels { get; set; } = 1;
    /// <summary>Initial weights from a file (transfer learning); empty `from` = torchvision's random init.</summary>
    public InitConfig Init { get; set; } = new();
    /// <summary>Which parameters train: none frozen, the backbone (all but the head), or up to a stage.</summary>
    public FreezeConfig Freeze { get; set; } = new();
}

public sealed class InitConfig
{
    /// <summary>safetensors (ours or torchvision-named) or a torch.save .pth/.pt state_dict (zip or legacy format).</summary>
    public string From { get; set; } = "";
    /// <summary>Refuse missing/unexpected/mis-shaped keys (the stem 3->1 adaptation and a new head are always allowed).</summary>
    public bool Strict { get; set; } = true;
}

public enum FreezeMode { None, Backbone, Through }

/// <summary>
/// `freeze: none | backbone` or `freeze: {through: layer2}` (ResNet stages conv1/bn1, layer1..layer4; DenseNet
/// features.* names such as denseblock2 or transition2): that stage and everything before it are frozen.
/// </summary>
public sealed class FreezeConfig : IScalarShorthand
{
    public FreezeMode Mode { get; set; } = FreezeMode.None;
    public string Through { get; set; } = "";

    /// <summary>The mode in force: a `through` stage implies mode through.</summary>
    public FreezeMode Effective => Through.Length > 0 ? FreezeMode.Through : Mode;

    public bool TrySetFromScalar(string text)
    {
        switch (text)
        {
            case "none": Mode = FreezeMode.None; Through = ""; return true;
            case "backbone": Mode = FreezeMode.Backbone; Through = ""; return true;
            default: return false;
        }
    }

    public string Expected => "none | backbone | {through: <stage>}";
}

public enum OptimizerKind { Sgd, Adam, Adamw }

public sealed class OptimizerConfig
{
    public OptimizerKind Name { get; set; } = OptimizerKind.Sgd;
    public double Lr { get; set; } = 0.01;
    public double Momentum { get; set; } = 0.9;
    public double WeightDecay { get; set; } = 1e-4;
    public bool Nesterov { get; set; } = false;
    public double Beta1 { get; set; } = 0.9;
    public double Beta2 { get; set; } = 0.999;
    public double Eps { get; set; } = 1e-8;
    /// <summary>Max gradient norm; 0 disables clipping.</summary>
    public double GradClip { get; set; } = 0;
    /// <summary>The head's (fc / classifier) learning rate is lr x this: a new head on pretrained features learns faster.</summary>
    public double HeadLrScale { get; set; } = 1;
}

public enum ScheduleKind { Constant, Step, Cosine, Onecycle }

public sealed class ScheduleConfig
{
    public ScheduleKind Name { get; set; } = ScheduleKind.Constant;
    public int Epochs { get; set; } = 1;
    /// <summary>Stop after this many optimizer steps per member; 0 = run all epochs.</summary>
    public long MaxSteps { get; set; } = 0;
    public long WarmupSteps { get; set; } = 0;
    /// <summary>StepLR period in steps.</summary>
    public long StepSize { get; set; } = 1000;
    public double Gamma { get; set; } = 0.1;
    public double MinLr { get; set; } = 0;
}

/// <summary>fp16 autocast exists on CUDA only (with loss scaling); bf16 autocast on CPU and CUDA.</summary>
public enum PrecisionKind { Fp32, Bf16, Fp16 }

public sealed class PrecisionConfig
{
    public PrecisionKind Dtype { get; set; } = PrecisionKind.Fp32;
    public bool ChannelsLast { get; set; } = false;
    /// <summary>Dynamic loss scaling (GradScaler): always on for fp16, whose small gradients underflow without it.
    /// true turns it on for fp32/bf16 as well: the scale is a power of two, so results only change where a
    /// gradient overflows (that step is skipped and counted); it makes the fp16 overflow path runnable on a CPU.</summary>
    public bool LossScaling { get; set; } = false;

    /// <summary>Whether the trainer scales the loss (fp16, or asked for).</summary>
    public bool Scaled => Dtype == PrecisionKind.Fp16 || LossScaling;
}

/// <summary>One search-space domain: exactly one of the three forms.</summary>
public sealed class DomainConfig
{
    public List<double>? LogUniform { get; set; }
    public List<double>? Uniform { get; set; }
    /// <summary>Numbers for the numeric tunables; names for <see cref="TunerConfig.CategoricalTunables"/>.</summary>
    public List<ChoiceValue>? Choice { get; set; }
}

/// <summary>
/// The `tuner:` block: the tuning library's own settings (<see cref="TunerOptions"/>: kind, quantile, perturb
/// factors, ASHA rounds, ... with their defaults and validation) plus the keys only the trainer reads.
/// </summary>
public sealed record TunerConfig : TunerOptions
{
    public int Population { get; set; } = 1;
    /// <summary>Steps between evaluations (the PBT "ready" interval, the ASHA rung unit).</summary>
    public long ReadySteps { get; set; } = 50;
    public string Metric { get; set; } = "mean_auroc";
    /// <summary>Consecutive NaN/Inf steps after which a member reports itself failed at the next ready point.</summary>
    public int MaxBadSteps { get; set; } = 5;
    public Dictionary<string, DomainConfig> SearchSpace { get; set; } = new();

    /// <summary>Tunables whose values are names (search_space `choice: [...]` of words): the optimizer
    /// (<see cref="OptimizerKind"/>) and the architecture (ModelZoo.Names).</summary>
    public static readonly IReadOnlyList<string> CategoricalTunables = ["model", "optimizer"];

    /// <summary>search_space as the tuning library's domains (the config is validated: a categorical tunable lists names).</summary>
    public static SearchSpace SpaceOf(TunerConfig t) => new(t.SearchSpace.Select(kv => new KeyValuePair<string, ParamDomain>(kv.Key,
        kv.Value.LogUniform is { } lu ? new LogUniform(lu[0], lu[1])
        : kv.Value.Uniform is { } u ? new Uniform(u[0], u[1])
        : CategoricalTunables.Contains(kv.Key) ? new Categorical(kv.Value.Choice!.Select(c => c.Name ?? c.ToString()).ToArray())
        : new Choice(kv.Value.Choice!.Select(c => c.Number ?? double.NaN).ToArray()))));
}

public sealed class CheckpointConfig
{
    public bool Enabled { get; set; } = true;
    /// <summary>Default: &lt;run.dir&gt;/checkpoints.</summary>
    public string Dir { get; set; } = "";
    public int KeepLast { get; set; } = 2;
    /// <summary>Checkpoint every N ready intervals (1 = at each evaluation).</summary>
    public int EveryRounds { get; set; } = 1;
    public string Metric { get; set; } = "mean_auroc";
}

public enum ProgressMode { Auto, Live, Plain, Off }

public sealed class LoggingConfig
{
    public string Level { get; set; } = "info";
    public ProgressMode Progress { get; set; } = ProgressMode.Auto;
}
