using System.Text.Json.Serialization;
using XRayHpc.Determinism;

namespace XRayHpc.Tuning;

/// <summary>
/// A choice between names (optimizer: sgd | adam, model: resnet18 | densenet121); its values live in
/// <see cref="Hyperparameters.Names"/>. Names keep the order they were listed in: that order is the draw's index
/// (part of determinism) and defines "neighbour" for <see cref="Perturb"/>. Which names are allowed is the
/// caller's business (the trainer's config validation); this library only keeps values inside the list.
/// </summary>
public sealed record Categorical : ParamDomain
{
    public string[] Names { get; }

    [JsonConstructor]
    public Categorical(string[] names)
    {
        if (names is null || names.Length == 0) throw new ArgumentException("a categorical choice needs at least one name");
        if (names.Any(string.IsNullOrEmpty)) throw new ArgumentException("a categorical choice cannot list an empty name");
        Names = names.Distinct(StringComparer.Ordinal).ToArray();
    }

    /// <summary>Uniform over the names: one <see cref="Xoshiro256.NextInt"/> draw, like <see cref="Choice"/>.</summary>
    public string Sample(Xoshiro256 rng) => Names[rng.NextInt(Names.Length)];

    public override bool Contains(string name) => Array.IndexOf(Names, name) >= 0;
    public override bool Contains(double value) => false;

    /// <summary>A name outside the list cannot be snapped to a "nearest" one (names have no distance): it is an error
    /// naming the parameter, the name and the allowed names (a hand-edited or foreign state).</summary>
    public string Clamp(string name, string parameter) => Contains(name) ? name
        : throw new ArgumentException($"hyperparameter '{parameter}': '{name}' is not one of {string.Join(", ", Names)}");

    /// <summary>PBT's small move for a name: a factor ≥ 1 steps to the next name in list order, a factor &lt; 1 to the
    /// previous one, staying put at either end (as <see cref="Choice"/> does); no extra draw. A uniform redraw over
    /// all names is explore's resample (tuner.resample_probability).</summary>
    public string Perturb(string name, double factor)
    {
        int i = Array.IndexOf(Names, name);
        if (i < 0) throw new ArgumentException($"'{name}' is not one of {string.Join(", ", Names)}");
        int j = factor >= 1 ? Math.Min(i + 1, Names.Length - 1) : Math.Max(i - 1, 0);
        return Names[j];
    }

    public bool Equals(Categorical? other) => other is not null && Names.SequenceEqual(other.Names, StringComparer.Ordinal);
    public override int GetHashCode() => Names.Aggregate(17, (h, v) => h * 31 + StringComparer.Ordinal.GetHashCode(v));
}
