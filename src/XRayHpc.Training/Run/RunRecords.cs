using System.Text.Json;
using System.Text.Json.Serialization;

namespace XRayHpc.Training.Run;

/// <summary>One line of metrics.jsonl: one member's evaluation at one ready point.</summary>
public sealed record MetricsRecord
{
    public int Member { get; init; }
    public int Round { get; init; }
    public long Step { get; init; }
    public int Epoch { get; init; }
    public double TimeS { get; init; }
    public double TrainLoss { get; init; }
    public double ValLoss { get; init; }
    public double MeanAuroc { get; init; }
    public Dictionary<string, double> Auroc { get; init; } = new();
    public double Accuracy { get; init; }
    public double Precision { get; init; }
    public double Recall { get; init; }
    public double Specificity { get; init; }
    public double F1 { get; init; }
    /// <summary>Mean of the per-class thresholds chosen on validation (Youden); metrics above are at 0.5.</summary>
    public double Threshold { get; init; }
    public double F1AtThreshold { get; init; }
    /// <summary>The member's base learning rate (what a tuner sets and explores).</summary>
    public double Lr { get; init; }
    /// <summary>The learning rate the schedule applied at this record's step (warm-up, decay, counted from the member's trial start).</summary>
    public double ScheduledLr { get; init; }
    public double Momentum { get; init; }
    public double WeightDecay { get; init; }
    public double BatchSize { get; init; }
    /// <summary>The member's architecture and optimizer by name when the search space tunes them (absent otherwise:
    /// model.name / optimizer.name of the run's config apply).</summary>
    public string? Model { get; init; }
    public string? Optimizer { get; init; }
    public double ImagesPerS { get; init; }
    /// <summary>Share of the member root's step time spent blocked in the gradient allreduce since the last
    /// evaluation, waiting for slower ranks included (the cluster admin's "is the network the bottleneck").</summary>
    public double AllreduceShare { get; init; }
    public long SkippedSteps { get; init; }
    /// <summary>Of <see cref="SkippedSteps"/>, steps the loss scaler skipped for a gradient overflow; present only when
    /// the run scales the loss (precision.dtype: fp16 or precision.loss_scaling).</summary>
    public long? OverflowSteps { get; init; }
    public bool Failed { get; init; }
    /// <summary>Parameter checksum of the member after evaluation (bit-identity checks across runs).</summary>
    public string Checksum { get; init; } = "";
    /// <summary>The member root's wall-clock seconds per phase since its previous record (names: StepPhase in
    /// lower case); a time field like <see cref="TimeS"/>, so not part of bit-identity comparisons.</summary>
    public Dictionary<string, double>? PhaseS { get; init; }
}

/// <summary>One line of lineage.jsonl. kind: initial | exploit | restart | stop.</summary>
public sealed record LineageLine
{
    public int Round { get; init; }
    public long Step { get; init; }
    public int Target { get; init; }
    public int? Source { get; init; }
    public string Kind { get; init; } = "";
    public Dictionary<string, double> Old { get; init; } = new();
    public Dictionary<string, double> New { get; init; } = new();
    /// <summary>Categorical hyperparameters (model, optimizer) by name before and after, when the search space tunes them.</summary>
    public Dictionary<string, string>? OldNames { get; init; }
    public Dictionary<string, string>? NewNames { get; init; }
    /// <summary>Exploit only, when the target's optimizer differs from the source's: "fresh &lt;optimizer&gt;" (weights
    /// copied, optimizer state started anew); absent when the optimizer state was copied too.</summary>
    public string? OptimizerState { get; init; }

    /// <summary>A names set as written to lineage.jsonl: absent (null) when empty, so numeric-only runs' lines are unchanged.</summary>
    public static Dictionary<string, string>? NamesOrNull(IReadOnlyDictionary<string, string> names) =>
        names.Count > 0 ? new Dictionary<string, string>(names) : null;
    /// <summary>Exploit only: checksum of the source's weights+optimizer state as sent, and of the target's after loading.</summary>
    public string? SourceChecksum { get; init; }
    public string? TargetChecksum { get; init; }
}

public static class RunJson
{
    public static readonly JsonSerializerOptions Options = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        Converters = { new UndefinedAsNull() },
    };

    public static string Line<T>(T value) => JsonSerializer.Serialize(value, Options);
    public static T Parse<T>(string line) => JsonSerializer.Deserialize<T>(line, Options) ?? throw new JsonException("empty line");
}
