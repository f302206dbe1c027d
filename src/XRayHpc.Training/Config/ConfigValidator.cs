using XRayHpc.Models;
using XRayHpc.Tuning;

namespace XRayHpc.Training.Config;

/// <summary>Range and consistency rules that types alone cannot express. Each names the offending key path.</summary>
public static class ConfigValidator
{
    public static readonly string[] TunableNames = ["lr", "momentum", "weight_decay", "batch_size", "model", "optimizer"];
    public static readonly string[] MetricNames = ["mean_auroc", "val_loss", "accuracy", "f1"];

    static IEnumerable<(string Path, string Reason)> TransferChecks(ExperimentConfig c)
    {
        if (c.Model.Init.From.Length > 0 && !File.Exists(c.Model.Init.From))
            yield return ("model.init.from", $"'{c.Model.Init.From}' does not exist");
        if (c.Model.Freeze.Mode == FreezeMode.Through && c.Model.Freeze.Through.Length == 0)
            yield return ("model.freeze.through", "name the last frozen stage (e.g. layer2, denseblock2)");
        if (c.Model.Freeze.Mode == FreezeMode.Backbone && c.Model.Freeze.Through.Length > 0)
            yield return ("model.freeze", "give either backbone or through: <stage>, not both");
        var stages = Train.Freezing.Stages(c.Model.Name);
        var through = c.Model.Freeze.Through.StartsWith("features.") ? c.Model.Freeze.Through["features.".Length..] : c.Model.Freeze.Through;
        if (through.Length > 0 && !stages.Contains(through))
            yield return ("model.freeze.through", $"'{c.Model.Freeze.Through}' is not a stage of {c.Model.Name} ({string.Join(", ", stages)})");
        if (!(c.Optimizer.HeadLrScale > 0)) yield return ("optimizer.head_lr_scale", "must be > 0");
    }

    /// <summary>The names a categorical tunable may take.</summary>
    public static IReadOnlyList<string> AllowedNames(string tunable) => tunable == "model"
        ? ModelZoo.Names
        : Enum.GetValues<OptimizerKind>().Select(k => ConfigNames.EnumValue(k)).ToList();

    /// <summary>search_space.model / .optimizer: a `choice` of known names; PBT cannot change a member's
    /// architecture (exploit copies weights between members); a model choice must suit every transfer setting.</summary>
    static IEnumerable<(string Path, string Reason)> CategoricalChecks(ExperimentConfig c, string name, DomainConfig d, string path)
    {
        var allowed = AllowedNames(name);
        if (d.Choice is null)
        {
            yield return (path, $"{name} takes a list of names: {{choice: [{string.Join(", ", allowed)}]}}");
            yield break;
        }
        foreach (var v in d.Choice.Where(v => v.Name is null || !allowed.Contains(v.Name)))
        {
            var hint = ConfigNames.Suggest(v.ToString(), allowed);
            yield return (path + ".choice", $"'{v}' is not a known {(name == "model" ? "model" : "optimizer")} (allowed: {string.Join(", ", allowed)})" + (hint != null ? $" (did you mean {hint}?)" : ""));
        }
        if (name != "model") yield break;
        if (c.Tuner.Kind == TunerKind.Pbt)
            yield return (path, "PBT cannot search over the architecture: an exploit copies weights from member to member, so every member keeps model.name (search models with tuner.kind asha or random, or one run per model)");
        if (c.Model.Init.From.Length > 0)
            yield return (path, "model.init.from holds the weights of one architecture: it cannot be combined with a model choice");
        var through = c.Model.Freeze.Through.StartsWith("features.") ? c.Model.Freeze.Through["features.".Length..] : c.Model.Freeze.Through;
        foreach (var arch in d.Choice.Select(v => v.Name).OfType<string>().Where(allowed.Contains))
            if (through.Length > 0 && !Train.Freezing.Stages(arch).Contains(through))
                yield return ("model.freeze.through", $"'{c.Model.Freeze.Through}' is not a stage of {arch}, which tuner.search_space.model lists ({string.Join(", ", Train.Freezing.Stages(arch))})");
    }

    public static IEnumerable<(string Path, string Reason)> Check(ExperimentConfig c)
    {
        if (string.IsNullOrWhiteSpace(c.Run.Dir)) yield return ("run.dir", "must name the run directory");
        if (c.Run.Threads < 0) yield return ("run.threads", "must be >= 0 (0 = automatic)");
        if (!XRayHpc.Mpi.CollectiveWatch.IsValidSeconds(c.Run.CollectiveTimeout)) yield return ("run.collective_timeout", "must be a number of seconds >= 0 (0 = no timeout)");
        // run.device: auto that resolves to the CPU is refused at startup (TrainDevice), when the device is known.
        if (c.Precision.Dtype == PrecisionKind.Fp16 && c.Run.Device == XRayHpc.Torch.DeviceSetting.Cpu)
            yield return ("precision.dtype", Train.TrainDevice.Fp16OnCpu("run.device: cpu"));
        if (string.IsNullOrWhiteSpace(c.Data.Cache)) yield return ("data.cache", "required: the preprocessed cache directory");
        if (c.Data.BatchSize < 1) yield return ("data.batch_size", "must be >= 1");
        if (c.Data.EvalBatchSize < 1) yield return ("data.eval_batch_size", "must be >= 1");
        if (c.Data.Prefetch < 0) yield return ("data.prefetch", "must be >= 0");
        if (c.Data.LoaderThreads < 1) yield return ("data.loader_threads", "must be >= 1");
        if (!ModelZoo.Names.Contains(c.Model.Name)) yield return ("model.name", $"'{c.Model.Name}' is not one of {string.Join(" | ", ModelZoo.Names)}");
        if (c.Model.InChannels is not (1 or 3)) yield return ("model.in_channels", "must be 1 or 3");
        foreach (var problem in TransferChecks(c)) yield return problem;
        if (!(c.Optimizer.Lr > 0)) yield return ("optimizer.lr", "must be > 0");
        if (c.Optimizer.Momentum is < 0 or >= 1) yield return ("optimizer.momentum", "must be in [0, 1)");
        if (c.Optimizer.WeightDecay < 0) yield return ("optimizer.weight_decay", "must be >= 0");
        if (c.Optimizer.Beta1 is < 0 or >= 1) yield return ("optimizer.beta1", "must be in [0, 1)");
        if (c.Optimizer.Beta2 is < 0 or >= 1) yield return ("optimizer.beta2", "must be in [0, 1)");
        if (!(c.Optimizer.Eps > 0)) yield return ("optimizer.eps", "must be > 0");
        if (c.Optimizer.GradClip < 0) yield return ("optimizer.grad_clip", "must be >= 0 (0 = off)");
        if (c.Schedule.Epochs < 1) yield return ("schedule.epochs", "must be >= 1");
        if (c.Schedule.MaxSteps < 0) yield return ("schedule.max_steps", "must be >= 0 (0 = all epochs)");
        if (c.Schedule.WarmupSteps < 0) yield return ("schedule.warmup_steps", "must be >= 0");
        if (c.Schedule.StepSize < 1) yield return ("schedule.step_size", "must be >= 1");
        if (c.Schedule.Gamma is <= 0 or > 1) yield return ("schedule.gamma", "must be in (0, 1]");
        if (c.Schedule.MinLr < 0) yield return ("schedule.min_lr", "must be >= 0");
        if (c.Tuner.Population < 1) yield return ("tuner.population", "must be >= 1");
        if (c.Tuner.Kind == TunerKind.None && c.Tuner.Population != 1) yield return ("tuner.population", "must be 1 when tuner.kind is none");
        if (c.Tuner.ReadySteps < 1) yield return ("tuner.ready_steps", "must be >= 1");
        if (!MetricNames.Contains(c.Tuner.Metric)) yield return ("tuner.metric", $"'{c.Tuner.Metric}' is not one of {string.Join(" | ", MetricNames)}");
        // The tuning library's settings are validated there, once (tuner.kind, an enum, is checked when the YAML is bound).
        foreach (var problem in c.Tuner.Problems()) yield return problem;
        if (c.Tuner.MaxBadSteps < 1) yield return ("tuner.max_bad_steps", "must be >= 1");
        foreach (var (name, d) in c.Tuner.SearchSpace)
        {
            var path = $"tuner.search_space.{name}";
            if (!TunableNames.Contains(name))
            {
                var hint = ConfigNames.Suggest(name, TunableNames);
                yield return (path, $"'{name}' is not tunable (tunable: {string.Join(", ", TunableNames)})" + (hint != null ? $" (did you mean {hint}?)" : ""));
                continue;
            }
            int forms = (d.LogUniform != null ? 1 : 0) + (d.Uniform != null ? 1 : 0) + (d.Choice != null ? 1 : 0);
            if (forms != 1) { yield return (path, "give exactly one of log_uniform: [lo, hi], uniform: [lo, hi], choice: [...]"); continue; }
            if (d.LogUniform is { } lu && (lu.Count != 2 || !(lu[0] > 0) || !(lu[1] > lu[0])))
                yield return (path + ".log_uniform", "must be [lo, hi] with 0 < lo < hi");
            if (d.Uniform is { } u && (u.Count != 2 || !(u[1] > u[0])))
                yield return (path + ".uniform", "must be [lo, hi] with lo < hi");
            if (d.Choice is { } ch && ch.Count == 0)
                yield return (path + ".choice", "must list at least one value");
            if (TunerConfig.CategoricalTunables.Contains(name))
            {
                foreach (var problem in CategoricalChecks(c, name, d, path)) yield return problem;
                continue;
            }
            if (d.Choice?.FirstOrDefault(v => v.Number is null) is { } word)
                yield return (path + ".choice", $"'{word}' is not a number (only {string.Join(" and ", TunerConfig.CategoricalTunables)} take names)");
            else if (name == "batch_size" && d.Choice is { } bs && bs.Any(v => v.Number < 1 || v.Number != Math.Floor(v.Number!.Value)))
                yield return (path + ".choice", "batch sizes must be positive integers");
        }
        if (c.Tuner.Kind != TunerKind.None && c.Tuner.SearchSpace.Count == 0)
            yield return ("tuner.search_space", $"tuner.kind {ConfigNames.EnumValue(c.Tuner.Kind)} needs at least one tunable in search_space");
        if (c.Checkpoint.KeepLast < 1) yield return ("checkpoint.keep_last", "must be >= 1");
        if (c.Checkpoint.EveryRounds < 1) yield return ("checkpoint.every_rounds", "must be >= 1");
        if (!MetricNames.Contains(c.Checkpoint.Metric)) yield return ("checkpoint.metric", $"'{c.Checkpoint.Metric}' is not one of {string.Join(" | ", MetricNames)}");
        string[] levels = ["trace", "debug", "info", "warn", "error"];
        if (!levels.Contains(c.Logging.Level)) yield return ("logging.level", $"'{c.Logging.Level}' is not one of {string.Join(" | ", levels)}");
    }
}
