using System.Globalization;
using XRayHpc.Training.Config;
using XRayHpc.Tuning;

namespace XRayHpc.Training.Train;

/// <summary>A member's full hyperparameter set (lr, momentum, weight_decay, batch_size): tuned values over the config's.</summary>
public static class HyperparameterSets
{
    /// <summary>The config's values, with the tuner's <paramref name="tuned"/> ones (when any) in their place.</summary>
    public static Dictionary<string, double> FromConfig(ExperimentConfig config, Hyperparameters? tuned = null)
    {
        var o = config.Optimizer;
        // "momentum" is beta1 for Adam(W): the member's own optimizer decides which default applies.
        var optimizer = OptimizerOf(config, tuned?.Names);
        var hp = new Dictionary<string, double>
        {
            ["lr"] = o.Lr, ["momentum"] = optimizer == OptimizerKind.Sgd ? o.Momentum : o.Beta1,
            ["weight_decay"] = o.WeightDecay, ["batch_size"] = config.Data.BatchSize,
        };
        if (tuned != null) foreach (var (k, v) in tuned.Values) hp[k] = v;
        return hp;
    }

    /// <summary>The tuner's categorical values (model, optimizer) by name; empty when it tunes none.</summary>
    public static Dictionary<string, string> NamesOf(Hyperparameters? tuned) => new(tuned?.Names ?? new Dictionary<string, string>());

    /// <summary>The member's architecture: its tuned `model`, else model.name.</summary>
    public static string ModelOf(ExperimentConfig config, IReadOnlyDictionary<string, string>? names) =>
        names != null && names.TryGetValue("model", out var m) ? m : config.Model.Name;

    /// <summary>The member's optimizer: its tuned `optimizer`, else optimizer.name.</summary>
    public static OptimizerKind OptimizerOf(ExperimentConfig config, IReadOnlyDictionary<string, string>? names) =>
        names != null && names.TryGetValue("optimizer", out var n)
            ? Enum.GetValues<OptimizerKind>().Single(k => ConfigNames.EnumValue(k) == n)
            : config.Optimizer.Name;

    /// <summary><paramref name="set"/> with <paramref name="changes"/> written over it (in place; returned for chaining).</summary>
    public static Dictionary<string, double> Overwrite(Dictionary<string, double> set, IReadOnlyDictionary<string, double> changes)
    {
        foreach (var (k, v) in changes) set[k] = v;
        return set;
    }

    public static int BatchSize(IReadOnlyDictionary<string, double> hp) => (int)Math.Round(hp["batch_size"]);

    /// <summary>"k=v ..." sorted by name, 4 significant digits: for logs and the progress view.</summary>
    public static string Describe(IReadOnlyDictionary<string, double> hp, IReadOnlyDictionary<string, string>? names = null) =>
        string.Join(" ", hp.Select(kv => (kv.Key, Text: kv.Value.ToString("G4", CultureInfo.InvariantCulture)))
            .Concat((names ?? new Dictionary<string, string>()).Select(kv => (kv.Key, Text: kv.Value)))
            .OrderBy(kv => kv.Key, StringComparer.Ordinal).Select(kv => $"{kv.Key}={kv.Text}"));
}
