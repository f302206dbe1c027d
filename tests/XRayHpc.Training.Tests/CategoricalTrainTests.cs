using System.Text;
using System.Text.Json.Nodes;
using XRayHpc.Checkpoint;
using XRayHpc.Determinism;
using XRayHpc.Training.Config;
using XRayHpc.Tuning;

namespace XRayHpc.Training.Tests;

/// <summary>
/// Random search and ASHA over {resnet18, densenet121} × {sgd, adam}: each member builds its own architecture and
/// optimizer from its sampled names, the run files carry the names, and --resume rebuilds every member as it was.
/// </summary>
[Collection("train-mpi")]
public sealed class CategoricalTrainTests(SynthCaches data)
{
    static string Yaml(string run, string cache, long seed, string tuner, long maxSteps) => $$"""
        run: {name: t, dir: "{{run}}", seed: {{seed}}, threads: 1}
        data: {cache: "{{cache}}", task: multilabel, batch_size: 16, eval_batch_size: 64, loader_threads: 1}
        model: {name: resnet18, in_channels: 1}
        optimizer: {name: sgd, lr: 0.003}
        schedule: {name: constant, max_steps: {{maxSteps}}}
        tuner: {{tuner}}
        checkpoint: {keep_last: 4}
        logging: {level: info, progress: plain}
        """;

    const string RandomTuner = "{kind: random, population: 2, ready_steps: 2, search_space: {model: {choice: [resnet18, densenet121]}, optimizer: {choice: [sgd, adam]}}}";

    /// <summary>The first run seed whose two members differ in both architecture and optimizer (the tuner is pure, so this is exact).</summary>
    static long SeedWithDistinctMembers(string run, string cache)
    {
        for (long seed = 1; ; seed++)
        {
            var c = ConfigLoader.Load(Yaml(run, cache, seed, RandomTuner, 4), "e.yaml");
            var t = Tuners.Create(c.Tuner, TunerConfig.SpaceOf(c.Tuner), 2, Seeds.For(seed, "tuner"));
            if (t.Current[0].Names["model"] != t.Current[1].Names["model"] && t.Current[0].Names["optimizer"] != t.Current[1].Names["optimizer"]) return seed;
        }
    }

    static void Train(string yaml, params string[] extra)
    {
        using var p = CliProcess.Start(2, ["train", yaml, .. extra]);
        Assert.True(p.Wait(TimeSpan.FromMinutes(4)) == 0, p.Describe());
    }

    static List<JsonNode> Lines(string path) => File.ReadLines(path).Where(l => l.Length > 0).Select(l => JsonNode.Parse(l)!).ToList();

    /// <summary>Tensor names in a safetensors file (its JSON header).</summary>
    static IEnumerable<string> TensorNames(string file)
    {
        var bytes = File.ReadAllBytes(file);
        var n = (int)BitConverter.ToInt64(bytes, 0);
        return JsonNode.Parse(Encoding.UTF8.GetString(bytes, 8, n))!.AsObject().Select(kv => kv.Key).Where(k => k != "__metadata__");
    }

    [Fact]
    public void Random_search_trains_each_member_on_its_own_architecture_and_optimizer_and_resumes_bit_exactly()
    {
        var root = Path.Combine(data.Root, "cat-" + Guid.NewGuid().ToString("N")[..6]);
        long seed = SeedWithDistinctMembers(root, data.Cache32);
        var resumed = root + "-resumed";
        var straight = root + "-straight";
        File.WriteAllText(resumed + ".yaml", Yaml(resumed, data.Cache32, seed, RandomTuner, 4));
        File.WriteAllText(straight + ".yaml", Yaml(straight, data.Cache32, seed, RandomTuner, 6));
        Train(resumed + ".yaml");
        Train(resumed + ".yaml", "--resume", "--set", "schedule.max_steps=6");
        Train(straight + ".yaml");

        var c = ConfigLoader.Load(File.ReadAllText(straight + ".yaml"), "e.yaml");
        var sampled = Tuners.Create(c.Tuner, TunerConfig.SpaceOf(c.Tuner), 2, Seeds.For(seed, "tuner")).Current;
        var metrics = Lines(Path.Combine(straight, "metrics.jsonl"));
        Assert.Equal(6, metrics.Count); // 2 members x steps 2, 4, 6
        foreach (var m in metrics)
        {
            int member = (int)m["member"]!;
            Assert.Equal(sampled[member].Names["model"], (string)m["model"]!);
            Assert.Equal(sampled[member].Names["optimizer"], (string)m["optimizer"]!);
        }
        var initial = Lines(Path.Combine(straight, "lineage.jsonl")).Where(l => (string)l["kind"]! == "initial").ToList();
        Assert.Equal(sampled.Select(h => h.Names["model"]), initial.Select(l => (string)l["new_names"]!["model"]!));

        var store = new CheckpointStore(Path.Combine(straight, "checkpoints"));
        for (int member = 0; member < 2; member++)
        {
            var (state, dir) = store.Read(member, 6);
            Assert.Equal(sampled[member].Names["model"], state.Names["model"]);
            var names = TensorNames(Path.Combine(dir, "model.safetensors")).ToList();
            Assert.Equal(sampled[member].Names["model"] == "densenet121", names.Any(k => k.StartsWith("features.denseblock1.", StringComparison.Ordinal)));
            // Adam keeps two moments per parameter, SGD with momentum one buffer.
            var opt = TensorNames(Path.Combine(dir, "optimizer.safetensors")).ToList();
            Assert.Equal(sampled[member].Names["optimizer"] == "adam", opt.Any(k => k.Contains("exp_avg_sq", StringComparison.Ordinal)));
        }
        var summary = JsonNode.Parse(File.ReadAllText(Path.Combine(straight, "summary.json")))!;
        int best = (int)summary["best_member"]!;
        Assert.Equal(sampled[best].Names["model"], (string)summary["model"]!);
        Assert.Equal(sampled[best].Names["optimizer"], (string)summary["names"]!["optimizer"]!);

        // Killed after step 4 and resumed: every member rebuilt on its own architecture and optimizer, bit for bit.
        var after = Lines(Path.Combine(resumed, "metrics.jsonl"));
        Assert.Equal(metrics.Select(m => ((int)m["member"]!, (long)m["step"]!, (string)m["checksum"]!, (double)m["val_loss"]!)),
                     after.Select(m => ((int)m["member"]!, (long)m["step"]!, (string)m["checksum"]!, (double)m["val_loss"]!)));
    }

    [Fact]
    public void Asha_new_trials_switch_architecture_and_optimizer_in_their_slot()
    {
        var run = Path.Combine(data.Root, "cat-asha-" + Guid.NewGuid().ToString("N")[..6]);
        // max_rounds 1: every ready point completes each trial and its slot starts a new sampled one.
        File.WriteAllText(run + ".yaml", Yaml(run, data.Cache32, 3,
            "{kind: asha, population: 2, ready_steps: 2, grace_rounds: 1, max_rounds: 1, search_space: {model: {choice: [resnet18, densenet121]}, optimizer: {choice: [sgd, adam]}}}", 6));
        Train(run + ".yaml");

        var lineage = Lines(Path.Combine(run, "lineage.jsonl"));
        var metrics = Lines(Path.Combine(run, "metrics.jsonl"));
        Assert.Equal(4, lineage.Count(l => (string)l["kind"]! == "restart")); // steps 2 and 4, both slots
        foreach (var m in metrics)
        {
            // The trial that trained up to this evaluation: the slot's last initial/restart line before its step.
            var trial = lineage.Last(l => (int)l["target"]! == (int)m["member"]! && (long)l["step"]! < (long)m["step"]!);
            Assert.Equal((string)trial["new_names"]!["model"]!, (string)m["model"]!);
            Assert.Equal((string)trial["new_names"]!["optimizer"]!, (string)m["optimizer"]!);
        }
        Assert.True(metrics.Select(m => (string)m["model"]!).Distinct().Count() == 2, "the slots' trials never changed architecture: choose another seed");
    }
    [Fact]
    public void Pbt_exploit_onto_another_optimizer_copies_the_weights_and_starts_that_optimizer_fresh()
    {
        // resample_probability 1: every exploit redraws the optimizer, so some keep the source's and some switch.
        // Which ones is fixed by the seed but depends on the scores; runs with the next seeds are added (each is
        // checked in full) until both kinds were seen: usually one or two runs.
        var exploits = new List<JsonNode>();
        for (long seed = 4; seed < 10 && !(exploits.Any(e => e["optimizer_state"] != null) && exploits.Any(e => e["optimizer_state"] == null)); seed++)
            exploits.AddRange(PbtOptimizerRun(seed));
        Assert.Contains(exploits, e => e["optimizer_state"] != null);
        Assert.Contains(exploits, e => e["optimizer_state"] == null);
    }

    /// <summary>One PBT run over {sgd, adam}: every exploit is checked; returns them.</summary>
    List<JsonNode> PbtOptimizerRun(long seed)
    {
        var run = Path.Combine(data.Root, "cat-pbt-" + Guid.NewGuid().ToString("N")[..6]);
        File.WriteAllText(run + ".yaml", Yaml(run, data.Cache32, seed,
            "{kind: pbt, population: 2, ready_steps: 2, quantile: 0.5, resample_probability: 1, search_space: {optimizer: {choice: [sgd, adam]}, lr: {log_uniform: [0.001, 0.01]}}}", 8));
        Train(run + ".yaml");

        var lineage = Lines(Path.Combine(run, "lineage.jsonl"));
        var optimizerOf = lineage.Where(l => (string)l["kind"]! == "initial").ToDictionary(l => (int)l["target"]!, l => (string)l["new_names"]!["optimizer"]!);
        var exploits = lineage.Where(l => (string)l["kind"]! == "exploit").ToList();
        Assert.Equal(3, exploits.Count); // steps 2, 4, 6 (none after the last evaluation)
        foreach (var e in exploits)
        {
            string source = optimizerOf[(int)e["source"]!], now = (string)e["new_names"]!["optimizer"]!;
            Assert.Equal(optimizerOf[(int)e["target"]!], (string)e["old_names"]!["optimizer"]!);
            if (now == source)
            {
                Assert.Null(e["optimizer_state"]); // weights and optimizer state copied: the states are equal
                Assert.Equal((string)e["source_checksum"]!, (string)e["target_checksum"]!);
            }
            else
            {
                Assert.Equal($"fresh {now} (source trained with {source})", (string)e["optimizer_state"]!);
                Assert.NotEqual((string)e["source_checksum"]!, (string)e["target_checksum"]!);
            }
            optimizerOf[(int)e["target"]!] = now;
        }

        // The last evaluation trains with the member's optimizer as lineage left it, and the final checkpoint holds its state.
        var store = new CheckpointStore(Path.Combine(run, "checkpoints"));
        for (int member = 0; member < 2; member++)
        {
            Assert.Equal(optimizerOf[member], (string)Lines(Path.Combine(run, "metrics.jsonl")).Last(m => (int)m["member"]! == member)["optimizer"]!);
            var (state, dir) = store.Read(member, 8);
            Assert.Equal(optimizerOf[member], state.Names["optimizer"]);
            Assert.Equal(optimizerOf[member] == "adam", TensorNames(Path.Combine(dir, "optimizer.safetensors")).Any(k => k.Contains("exp_avg_sq", StringComparison.Ordinal)));
        }
        return exploits;
    }
}
