namespace XRayHpc.Tuning;

/// <summary>An immutable set of named hyperparameter values (lr, momentum, weight_decay, batch_size…).</summary>
public sealed record Hyperparameters
{
    public Hyperparameters(IReadOnlyDictionary<string, double> values) =>
        Values = new SortedDictionary<string, double>(values.ToDictionary(kv => kv.Key, kv => kv.Value), StringComparer.Ordinal);

    public IReadOnlyDictionary<string, double> Values { get; }

    public double this[string name] => Values.TryGetValue(name, out var v)
        ? v : throw new KeyNotFoundException($"hyperparameter '{name}' is not set");

    public double Get(string name, double fallback) => Values.TryGetValue(name, out var v) ? v : fallback;

    public bool Equals(Hyperparameters? other) =>
        other is not null && Values.Count == other.Values.Count &&
        Values.All(kv => other.Values.TryGetValue(kv.Key, out var v) && v.Equals(kv.Value));

    public override int GetHashCode() => Values.Aggregate(17, (h, kv) => HashCode.Combine(h, kv.Key, kv.Value));

    public override string ToString() => string.Join(", ", Values.Select(kv => $"{kv.Key}={kv.Value:G4}"));
}
