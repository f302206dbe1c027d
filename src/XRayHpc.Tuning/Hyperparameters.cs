using System.Text.Json.Serialization;

namespace XRayHpc.Tuning;

/// <summary>
/// An immutable set of named hyperparameter values: numbers (lr, momentum, weight_decay, batch_size…) in
/// <see cref="Values"/> and categorical choices (optimizer, model) as names in <see cref="Names"/>. A key is in
/// one of the two, never both.
/// </summary>
[JsonConverter(typeof(HyperparametersJson))]
public sealed record Hyperparameters
{
    static readonly IReadOnlyDictionary<string, string> NoNames = new SortedDictionary<string, string>(StringComparer.Ordinal);

    public Hyperparameters(IReadOnlyDictionary<string, double> values, IReadOnlyDictionary<string, string>? names = null)
    {
        Values = new SortedDictionary<string, double>(values.ToDictionary(kv => kv.Key, kv => kv.Value), StringComparer.Ordinal);
        Names = names is null || names.Count == 0 ? NoNames
            : new SortedDictionary<string, string>(names.ToDictionary(kv => kv.Key, kv => kv.Value), StringComparer.Ordinal);
        var both = Values.Keys.FirstOrDefault(Names.ContainsKey);
        if (both is not null) throw new ArgumentException($"hyperparameter '{both}' is both a number and a name");
    }

    public IReadOnlyDictionary<string, double> Values { get; }

    /// <summary>Categorical values by key (empty when the search space has none).</summary>
    public IReadOnlyDictionary<string, string> Names { get; }

    public double this[string name] => Values.TryGetValue(name, out var v)
        ? v : throw new KeyNotFoundException($"hyperparameter '{name}' is not set");

    public double Get(string name, double fallback) => Values.TryGetValue(name, out var v) ? v : fallback;

    /// <summary>The categorical value of <paramref name="name"/>, or <paramref name="fallback"/> when it is not tuned.</summary>
    public string GetName(string name, string fallback) => Names.TryGetValue(name, out var v) ? v : fallback;

    public bool Equals(Hyperparameters? other) =>
        other is not null && Values.Count == other.Values.Count && Names.Count == other.Names.Count &&
        Values.All(kv => other.Values.TryGetValue(kv.Key, out var v) && v.Equals(kv.Value)) &&
        Names.All(kv => other.Names.TryGetValue(kv.Key, out var v) && v == kv.Value);

    public override int GetHashCode() =>
        Names.Aggregate(Values.Aggregate(17, (h, kv) => HashCode.Combine(h, kv.Key, kv.Value)), (h, kv) => HashCode.Combine(h, kv.Key, kv.Value));

    public override string ToString() => string.Join(", ", Values.Select(kv => (kv.Key, Text: $"{kv.Value:G4}"))
        .Concat(Names.Select(kv => (kv.Key, Text: kv.Value))).OrderBy(x => x.Key, StringComparer.Ordinal).Select(x => $"{x.Key}={x.Text}"));
}
