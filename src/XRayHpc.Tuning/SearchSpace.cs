using XRayHpc.Determinism;
using System.Text.Json.Serialization;

namespace XRayHpc.Tuning;

/// <summary>
/// The allowed values of one hyperparameter: numbers (<see cref="NumericDomain"/>) or names
/// (<see cref="Categorical"/>). Every value a tuner produces passes through the domain's Clamp, so perturbation
/// can never leave the space (the failure reported against Ray Tune as ray#11936).
/// </summary>
[JsonPolymorphic(TypeDiscriminatorPropertyName = "kind")]
[JsonDerivedType(typeof(LogUniform), "loguniform")]
[JsonDerivedType(typeof(Uniform), "uniform")]
[JsonDerivedType(typeof(Choice), "choice")]
[JsonDerivedType(typeof(Categorical), "categorical")]
public abstract record ParamDomain
{
    /// <summary>Whether <paramref name="value"/> is allowed: numeric domains hold numbers, a categorical one never does.</summary>
    public abstract bool Contains(double value);
    /// <summary>Whether <paramref name="name"/> is allowed: only a categorical domain holds names.</summary>
    public virtual bool Contains(string name) => false;
}

/// <summary>A domain of numbers; its values live in <see cref="Hyperparameters.Values"/>.</summary>
public abstract record NumericDomain : ParamDomain
{
    public abstract double Sample(Xoshiro256 rng);
    public abstract double Clamp(double value);
    /// <summary>Moves a value a little: continuous domains multiply by a factor, choices step to a neighbour.</summary>
    public abstract double Perturb(double value, double factor, Xoshiro256 rng);
}

public sealed record LogUniform(double Low, double High) : NumericDomain
{
    public override double Sample(Xoshiro256 rng) => Math.Exp(Math.Log(Low) + rng.NextDouble() * (Math.Log(High) - Math.Log(Low)));
    public override double Clamp(double value) => Math.Clamp(value, Low, High);
    public override double Perturb(double value, double factor, Xoshiro256 rng) => Clamp(value * factor);
    public override bool Contains(double value) => value >= Low && value <= High;
}

public sealed record Uniform(double Low, double High) : NumericDomain
{
    public override double Sample(Xoshiro256 rng) => Low + rng.NextDouble() * (High - Low);
    public override double Clamp(double value) => Math.Clamp(value, Low, High);
    public override double Perturb(double value, double factor, Xoshiro256 rng) => Clamp(value * factor);
    public override bool Contains(double value) => value >= Low && value <= High;
}

/// <summary>A discrete set (batch sizes, say). Values are kept sorted so "neighbour" means next larger/smaller.</summary>
public sealed record Choice : NumericDomain
{
    public double[] Values { get; }

    [JsonConstructor]
    public Choice(double[] values)
    {
        if (values is null || values.Length == 0) throw new ArgumentException("a choice needs at least one value");
        Values = values.Distinct().OrderBy(v => v).ToArray();
    }

    public override double Sample(Xoshiro256 rng) => Values[rng.NextInt(Values.Length)];

    public override double Clamp(double value)
    {
        // Snap to the nearest allowed value: a restored or hand-edited value may sit between choices.
        int best = 0;
        for (int i = 1; i < Values.Length; i++)
            if (Math.Abs(Values[i] - value) < Math.Abs(Values[best] - value)) best = i;
        return Values[best];
    }

    public override double Perturb(double value, double factor, Xoshiro256 rng)
    {
        int i = Array.IndexOf(Values, Clamp(value));
        int j = factor >= 1 ? Math.Min(i + 1, Values.Length - 1) : Math.Max(i - 1, 0);
        return Values[j];
    }

    public override bool Contains(double value) => Array.IndexOf(Values, value) >= 0;

    public bool Equals(Choice? other) => other is not null && Values.SequenceEqual(other.Values);
    public override int GetHashCode() => Values.Aggregate(17, (h, v) => h * 31 + v.GetHashCode());
}

/// <summary>Named domains in a fixed order (the order draws are made in, so it is part of determinism).</summary>
public sealed class SearchSpace
{
    public SearchSpace(IEnumerable<KeyValuePair<string, ParamDomain>> parameters)
    {
        Parameters = parameters.OrderBy(p => p.Key, StringComparer.Ordinal).ToList();
        var dup = Parameters.GroupBy(p => p.Key).FirstOrDefault(g => g.Count() > 1);
        if (dup is not null) throw new ArgumentException($"search space names '{dup.Key}' twice");
    }

    public IReadOnlyList<KeyValuePair<string, ParamDomain>> Parameters { get; }

    /// <summary>One draw per parameter in name order, numbers and names alike (a space without categorical
    /// parameters draws exactly as before they existed).</summary>
    public Hyperparameters Sample(Xoshiro256 rng)
    {
        var values = new Dictionary<string, double>();
        var names = new Dictionary<string, string>();
        foreach (var (name, domain) in Parameters)
        {
            switch (domain)
            {
                case NumericDomain d: values[name] = d.Sample(rng); break;
                case Categorical c: names[name] = c.Sample(rng); break;
                default: throw new NotSupportedException($"search space parameter '{name}': unknown domain {domain.GetType().Name}");
            }
        }
        return new Hyperparameters(values, names);
    }

    /// <summary>Brings every value named in the space inside it; values the space does not name are kept.</summary>
    public Hyperparameters Clamp(Hyperparameters hp)
    {
        var values = new Dictionary<string, double>(hp.Values);
        var names = new Dictionary<string, string>(hp.Names);
        foreach (var (name, domain) in Parameters)
        {
            if (domain is NumericDomain d && values.TryGetValue(name, out var v)) values[name] = d.Clamp(v);
            if (domain is Categorical c && names.TryGetValue(name, out var n)) names[name] = c.Clamp(n, name);
        }
        return new Hyperparameters(values, names);
    }
}
