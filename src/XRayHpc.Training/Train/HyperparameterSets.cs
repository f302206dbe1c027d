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
        var hp = new Dictionary<string, double>
        {
            ["lr"] = o.Lr, ["momentum"] = o.Name == OptimizerKind.Sgd ? o.Momentum : o.Beta1,
            ["weight_decay"] = o.WeightDecay, ["batch_size"] = config.Data.BatchSize,
        };
        if (tuned != null) foreach (var (k, v) in tuned.Values) hp[k] = v;
        return hp;
    }

    /// <summary><paramref name="set"/> with <paramref name="changes"/> written over it (in place; returned for chaining).</summary>
    public static Dictionary<string, double> Overwrite(Dictionary<string, double> set, IReadOnlyDictionary<string, double> changes)
    {
        foreach (var (k, v) in changes) set[k] = v;
        return set;
    }

    public static int BatchSize(IReadOnlyDictionary<string, double> hp) => (int)Math.Round(hp["batch_size"]);

    /// <summary>"k=v ..." sorted by name, 4 significant digits: for logs and the progress view.</summary>
    public static string Describe(IReadOnlyDictionary<string, double> hp) =>
        string.Join(" ", hp.OrderBy(kv => kv.Key, StringComparer.Ordinal).Select(kv => $"{kv.Key}={kv.Value.ToString("G4", CultureInfo.InvariantCulture)}"));
}
