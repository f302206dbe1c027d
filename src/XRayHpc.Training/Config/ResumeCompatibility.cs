using YamlDotNet.RepresentationModel;

namespace XRayHpc.Training.Config;

/// <summary>
/// What `--resume` may change relative to the run it continues. Everything else (model, classes via data.cache and
/// data.task, optimizer, precision, tuner, seed, ...) must be identical, or the checkpoint would be loaded into a
/// different experiment; the check runs before anything in the run directory is written. The README lists the keys.
/// </summary>
public static class ResumeCompatibility
{
    /// <summary>Keys a resume may change: how long to train, how often to evaluate and checkpoint, and the resources used.</summary>
    public static readonly IReadOnlySet<string> Changeable = new HashSet<string>(StringComparer.Ordinal)
    {
        "run.name", "run.threads", "schedule.epochs", "schedule.max_steps", "tuner.ready_steps",
        "run.collective_timeout", "checkpoint.keep_last", "checkpoint.every_rounds", "data.loader_threads", "data.prefetch", "data.eval_batch_size", "data.verify",
        "logging.level", "logging.progress",
        // Checkpoints hold CPU tensors whatever device wrote them, so a run may continue on other hardware.
        "run.device", "run.share_devices",
    };

    /// <summary>"key: earlier → now" for every key that differs and may not; empty when the resume is allowed.</summary>
    public static IReadOnlyList<string> Differences(ExperimentConfig earlier, ExperimentConfig now)
    {
        var a = Flatten(earlier);
        var b = Flatten(now);
        return a.Keys.Union(b.Keys).Where(k => !Changeable.Contains(k)).Order(StringComparer.Ordinal)
            .Where(k => a.GetValueOrDefault(k) != b.GetValueOrDefault(k))
            .Select(k => $"{k}: {a.GetValueOrDefault(k) ?? "(absent)"} -> {b.GetValueOrDefault(k) ?? "(absent)"}").ToList();
    }

    static Dictionary<string, string> Flatten(ExperimentConfig config)
    {
        var yaml = new YamlStream();
        yaml.Load(new StringReader(ConfigLoader.ToYaml(config)));
        var flat = new Dictionary<string, string>(StringComparer.Ordinal);
        Walk(yaml.Documents[0].RootNode, "", flat);
        return flat;
    }

    static void Walk(YamlNode node, string prefix, Dictionary<string, string> flat)
    {
        switch (node)
        {
            case YamlMappingNode m:
                foreach (var (k, v) in m.Children) Walk(v, prefix.Length == 0 ? ((YamlScalarNode)k).Value! : $"{prefix}.{((YamlScalarNode)k).Value}", flat);
                break;
            case YamlSequenceNode s:
                flat[prefix] = "[" + string.Join(", ", s.Children.Select(c => c is YamlScalarNode sc ? sc.Value : c.ToString())) + "]";
                break;
            case YamlScalarNode sc:
                flat[prefix] = sc.Value ?? "";
                break;
        }
    }
}
