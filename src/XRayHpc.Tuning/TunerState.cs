using System.Text.Json;
using System.Text.Json.Serialization;

namespace XRayHpc.Tuning;

/// <summary>
/// Everything a tuner needs to make, after a restore, the same decisions an uninterrupted run makes: options,
/// space, current hyperparameters, RNG words, lineage and the ASHA rungs (a restore that drops scheduler state
/// is the failure reported against Ray Tune as ray#30838).
/// </summary>
public sealed record TunerState
{
    public required TunerOptions Options { get; init; }
    public required List<NamedDomain> Space { get; init; }
    public required long Seed { get; init; }
    public required ulong[] RngState { get; init; }
    public required List<Hyperparameters> Current { get; init; }
    public required List<int> TrialIds { get; init; }
    public required int NextTrialId { get; init; }
    public required List<int> RoundsInTrial { get; init; }
    public required List<bool> Stopped { get; init; }
    public required List<LineageRecord> Lineage { get; init; }
    /// <summary>ASHA: scores recorded at each rung milestone (rounds in trial).</summary>
    public Dictionary<int, List<double>> Rungs { get; init; } = new();

    private static readonly JsonSerializerOptions Json = new()
    {
        WriteIndented = true,
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        // options.kind as its name ("pbt"), as the config writes it.
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.SnakeCaseLower) },
    };

    public string ToJson() => JsonSerializer.Serialize(this, Json);

    public static TunerState FromJson(string json) =>
        JsonSerializer.Deserialize<TunerState>(json, Json) ?? throw new JsonException("empty tuner state");
}

public sealed record NamedDomain(string Name, ParamDomain Domain);
