using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using XRayHpc.Checkpoint;
using XRayHpc.Training.Config;
using XRayHpc.Training.Train;

namespace XRayHpc.Training.Tests;

/// <summary>
/// `xrayhpc train` end to end under a real mpirun on tiny synthetic data. One collection: the runs share
/// the 2 CPU cores, so they run one after another.
/// </summary>
[Collection("train-mpi")]
public sealed class TrainRunTests(SynthCaches data)
{
    static readonly TimeSpan RunLimit = TimeSpan.FromMinutes(4);

    string NewRunDir(string name) => Path.Combine(data.Root, name + "-" + Guid.NewGuid().ToString("N")[..6]);

    internal static string Config(string runDir, string cache, long maxSteps = 24, int population = 2, string extra = "", string? tuner = null)
    {
        var path = runDir + ".yaml";
        File.WriteAllText(path, $$"""
            run: {name: t, dir: "{{runDir}}", seed: 5, threads: 1}
            data: {cache: "{{cache}}", task: multilabel, batch_size: 16, eval_batch_size: 64, augment: true, loader_threads: 1, prefetch: 2}
            model: {name: resnet18, in_channels: 1}
            optimizer: {name: sgd, lr: 0.01, momentum: 0.9, weight_decay: 0.0001}
            schedule: {name: cosine, max_steps: {{maxSteps}}, warmup_steps: 2}
            precision: {dtype: bf16, channels_last: true}
            {{tuner ?? PbtOrNone(population)}}
            checkpoint: {keep_last: 5}
            logging: {level: debug, progress: plain}
            {{extra}}
            """);
        return path;
    }

    /// <summary>The tests' default tuner section: PBT over lr and momentum, or none for one member.</summary>
    static string PbtOrNone(int population) => population > 1
        ? $"tuner: {{kind: pbt, population: {population}, ready_steps: 6, quantile: 0.5, max_bad_steps: 5, search_space: {{lr: {{log_uniform: [0.001, 0.1]}}, momentum: {{uniform: [0.8, 0.95]}}}}}}"
        : "tuner: {kind: none, population: 1, ready_steps: 6, quantile: 0.5, max_bad_steps: 5, search_space: {}}";

    internal static int Train(int ranks, string config, TimeSpan limit, out CliProcess proc, Dictionary<string, string>? env = null, params string[] more)
    {
        proc = CliProcess.Start(ranks, ["train", config, .. more], env);
        return proc.Wait(limit);
    }

    internal static List<JsonObject> Lines(string path) =>
        File.ReadAllLines(path).Where(l => l.Length > 0).Select(l => JsonNode.Parse(l)!.AsObject()).ToList();

    /// <summary>metrics.jsonl without the wall-clock fields (time, throughput, allreduce share), which no rerun reproduces.</summary>
    static string[] Deterministic(string metricsPath) => Lines(metricsPath).Select(o =>
    {
        o.Remove("time_s"); o.Remove("images_per_s"); o.Remove("allreduce_share"); o.Remove("phase_s");
        return o.ToJsonString();
    }).ToArray();

    /// <summary>
    /// Each exploit read back from the checkpoint set written at its step (after the exploit): the target
    /// member's weights and optimizer state, tensor by tensor, bit for bit, are the source member's. This
    /// does not rely on the checksums the trainer itself logs in lineage.jsonl.
    /// </summary>
    static void AssertExploitsCopiedOnDisk(string run, IEnumerable<JsonObject> exploits)
    {
        int compared = 0;
        foreach (var e in exploits)
        {
            string Dir(int member) => Path.Combine(run, "checkpoints", $"member-{member}", $"step-{(long)e["step"]!:D8}");
            var (target, source) = (Dir((int)e["target"]!), Dir((int)e["source"]!));
            if (!Directory.Exists(target)) continue; // pruned (keep_last)
            foreach (var file in new[] { "model.safetensors", "optimizer.safetensors" })
            {
                var (t, _) = XRayHpc.Torch.Safetensors.Load(Path.Combine(target, file));
                var (s, _) = XRayHpc.Torch.Safetensors.Load(Path.Combine(source, file));
                Assert.Equal(s.Keys.Order(StringComparer.Ordinal), t.Keys.Order(StringComparer.Ordinal));
                foreach (var (k, v) in s)
                    Assert.True(v.equal(t[k]), $"exploit at step {e["step"]}: {file} {k} of member {e["target"]} differs from member {e["source"]}'s");
                foreach (var v in s.Values.Concat(t.Values)) v.Dispose();
            }
            compared++;
        }
        Assert.True(compared > 0, "no exploit's checkpoint set was kept to compare");
    }

    [Fact]
    public void InvalidConfig_ExitsTwo_NamesLineAndKey_WritesNothing()
    {
        var run = NewRunDir("bad");
        var good = File.ReadAllText(Config(run, data.Cache32));
        (string Yaml, string Expect)[] cases =
        [
            (good.Replace("weight_decay: 0.0001}", "weight_decay: 0.0001, momentm: 0.9}"), @":4:\d+: optimizer\.momentm: unknown key \(did you mean momentum\?\)"),
            (good.Replace("max_steps: 24", "max_steps: lots"), @":5:\d+: schedule\.max_steps: expected an integer, got 'lots'"),
            (good.Replace("seed: 5,", "seed: [5,"), @":\d+:\d+: invalid YAML"),
        ];
        foreach (var (yaml, expect) in cases)
        {
            var path = run + ".bad.yaml";
            File.WriteAllText(path, yaml);
            int rc = Train(0, path, RunLimit, out var p);
            Assert.True(rc == 2, p.Describe());
            Assert.Matches(new Regex(Regex.Escape(path) + expect), p.Stderr);
            Assert.False(Directory.Exists(run), "nothing may be written for a bad config");
        }
        int rc2 = Train(0, Config(run, data.Cache32), RunLimit, out var p2, null, "--set", "tuner.kind=pbtt");
        Assert.True(rc2 == 2, p2.Describe());
        Assert.Contains("--set tuner.kind=pbtt: tuner.kind: 'pbtt' is not one of", p2.Stderr);
        Assert.False(Directory.Exists(run));
    }

    [Fact]
    public void Pbt_TwoMembersOnTwoRanks_ExploitsWithExactCopies_AndSigkillResumeFromOldStateYamlIsBitwiseEqual()
    {
        // Uninterrupted reference run.
        var runA = NewRunDir("pbt-a");
        int rc = Train(2, Config(runA, data.Cache32), RunLimit, out var a);
        Assert.True(rc == 0, a.Describe());

        var lineage = Lines(Path.Combine(runA, "lineage.jsonl"));
        var exploits = lineage.Where(l => (string)l["kind"]! == "exploit").ToList();
        Assert.True(exploits.Count >= 2, $"expected >= 2 exploit/explore steps, lineage:\n{string.Join('\n', lineage)}");
        foreach (var e in exploits)
        {
            Assert.Equal((string)e["source_checksum"]!, (string)e["target_checksum"]!);
            Assert.NotEqual((int)e["source"]!, (int)e["target"]!);
            // Explored values stay inside the search space (perturbations are clamped).
            Assert.InRange((double)e["new"]!["lr"]!, 0.001, 0.1);
            Assert.InRange((double)e["new"]!["momentum"]!, 0.8, 0.95);
        }
        AssertExploitsCopiedOnDisk(runA, exploits);
        var metrics = Lines(Path.Combine(runA, "metrics.jsonl"));
        Assert.Equal(8, metrics.Count); // 4 ready points x 2 members
        Assert.True(File.Exists(Path.Combine(runA, "summary.json")) && File.Exists(Path.Combine(runA, "predictions.csv")));
        Assert.True(File.Exists(Path.Combine(runA, "logs", "rank-1.log")));

        // Same run, SIGKILLed right after the step-12 checkpoint set is committed, then resumed.
        var runB = NewRunDir("pbt-b");
        var cfgB = Config(runB, data.Cache32);
        using (var b = CliProcess.Start(2, ["train", cfgB]))
        {
            var latest = Path.Combine(runB, "checkpoints", "latest");
            Poll.Until(() => Poll.ReadShared(latest).Trim() == "step-00000012", RunLimit, "checkpoint set step 12", () => !b.Exited, b.Describe);
            b.Kill();
        }
        // The set is rewritten the way checkpoints were written before state.yaml had typed member fields
        // (population_hp, stopped, train_loss_* as strings under `extra`): such checkpoints must still resume exactly.
        var store = new CheckpointStore(Path.Combine(runB, "checkpoints"));
        for (int m = 0; m < 2; m++) WriteAsOldStateYaml(store, m, 12);
        rc = Train(2, cfgB, RunLimit, out var resumed, null, "--resume");
        Assert.True(rc == 0, resumed.Describe());
        Assert.Contains("resumed member 0", File.ReadAllText(Path.Combine(runB, "logs", "rank-0.log")));

        Assert.Equal(Deterministic(Path.Combine(runA, "metrics.jsonl")), Deterministic(Path.Combine(runB, "metrics.jsonl")));
        Assert.Equal(File.ReadAllText(Path.Combine(runA, "lineage.jsonl")), File.ReadAllText(Path.Combine(runB, "lineage.jsonl")));
        var sa = JsonNode.Parse(File.ReadAllText(Path.Combine(runA, "summary.json")))!;
        var sb = JsonNode.Parse(File.ReadAllText(Path.Combine(runB, "summary.json")))!;
        Assert.Equal((string)sa["final_checksum"]!, (string)sb["final_checksum"]!);
        Assert.Equal((double)sa["test_mean_auroc"]!, (double)sb["test_mean_auroc"]!);
        Assert.Equal(File.ReadAllText(Path.Combine(runA, "predictions.csv")), File.ReadAllText(Path.Combine(runB, "predictions.csv")));
    }

    /// <summary>Moves the typed member fields of a checkpoint's state.yaml back into the string map `extra`.</summary>
    static void WriteAsOldStateYaml(CheckpointStore store, int member, long step)
    {
        var (state, dir) = store.Read(member, step);
        Assert.NotEmpty(state.PopulationHyperparameters);
        state.Extra["population_hp"] = JsonSerializer.Serialize(state.PopulationHyperparameters, XRayHpc.Training.Run.RunJson.Options);
        state.Extra["stopped"] = state.Stopped ? "true" : "false";
        for (int r = 0; r < state.TrainLoss.Count; r++)
        {
            state.Extra[$"train_loss_sum.{r}"] = state.TrainLoss[r].Sum.ToString("R", System.Globalization.CultureInfo.InvariantCulture);
            state.Extra[$"train_loss_count.{r}"] = state.TrainLoss[r].Count.ToString(System.Globalization.CultureInfo.InvariantCulture);
        }
        state.PopulationHyperparameters = []; state.Stopped = false; state.TrainLoss = [];
        File.WriteAllText(Path.Combine(dir, CheckpointStore.StateFile), CheckpointStore.SerializeState(state));
    }

    [Fact]
    public void Pbt_TwoMembersOnFourRanks_NanMemberIsSkippedCountedAndReplaced_NoNanBest()
    {
        var run = NewRunDir("nan4");
        // Injected fault: member 1's loss reads as NaN for steps 1..6, the path a real divergence takes.
        int rc = Train(4, Config(run, data.Cache32, maxSteps: 18), RunLimit, out var p, new() { ["XRAYHPC_FAULT_NAN"] = "1:1:7" });
        Assert.True(rc == 0, p.Describe());
        var metrics = Lines(Path.Combine(run, "metrics.jsonl"));
        var m1 = metrics.First(m => (int)m["member"]! == 1 && (int)m["round"]! == 1);
        Assert.Equal(6, (long)m1["skipped_steps"]!);
        Assert.True((bool)m1["failed"]!);
        Assert.Equal(0, (long)metrics.First(m => (int)m["member"]! == 0 && (int)m["round"]! == 1)["skipped_steps"]!);

        var exploits = Lines(Path.Combine(run, "lineage.jsonl")).Where(l => (string)l["kind"]! == "exploit").ToList();
        Assert.True(exploits.Count >= 2, p.Describe());
        Assert.Equal((1, 0), ((int)exploits[0]["target"]!, (int)exploits[0]["source"]!)); // the diverged member is replaced first
        Assert.All(exploits, e => Assert.Equal((string)e["source_checksum"]!, (string)e["target_checksum"]!));
        // Two ranks per member here: the copy the member's first rank wrote, read back independently.
        AssertExploitsCopiedOnDisk(run, exploits);
        // The copy goes from the source member's first rank to the target member's ranks only: the source
        // member's second rank (world rank 2*source+1) receives nothing, each of the target's two ranks the whole state.
        var copies = Enumerable.Range(0, 4).Select(r => Regex.Matches(File.ReadAllText(Path.Combine(run, "logs", $"rank-{r}.log")),
            @"exploit: member (\d) <- member (\d): ([\d.]+) MB").Select(m => (Target: int.Parse(m.Groups[1].Value), Source: int.Parse(m.Groups[2].Value),
            Mb: double.Parse(m.Groups[3].Value, System.Globalization.CultureInfo.InvariantCulture))).ToList()).ToList();
        Assert.All(copies, c => Assert.Equal(exploits.Count, c.Count));
        for (int i = 0; i < exploits.Count; i++)
        {
            var (target, source) = ((int)exploits[i]["target"]!, (int)exploits[i]["source"]!);
            Assert.Equal(0, copies[2 * source + 1][i].Mb);
            Assert.True(copies[2 * target][i].Mb > 1 && copies[2 * target + 1][i].Mb == copies[2 * target][i].Mb, $"exploit {i}: target ranks got {copies[2 * target][i].Mb} / {copies[2 * target + 1][i].Mb} MB");
        }

        var store = new CheckpointStore(Path.Combine(run, "checkpoints"));
        var best = store.ReadBest();
        Assert.NotNull(best);
        Assert.True(double.IsFinite(best.Value.Score));
        var (state, _) = store.Read(best.Value.Member, best.Value.Step);
        Assert.True(double.IsFinite(state.Metrics["mean_auroc"]));
        Assert.Equal(4, JsonNode.Parse(File.ReadAllText(Path.Combine(run, "summary.json")))!["ranks"]!.GetValue<int>());
    }

    /// <summary>
    /// ASHA with trials of 2 ready intervals (12 steps) in a 24-step run: both members start a new trial at
    /// step 12 and each new trial follows its own schedule from its start (warm-up, then cosine over its 12
    /// steps) instead of the run's tail; a resume from a checkpoint after the restart lands exactly there too.
    /// </summary>
    [Fact]
    public void Asha_RestartedTrialFollowsItsOwnSchedule_AndResumesBitwiseEqual()
    {
        const string asha = "tuner: {kind: asha, population: 2, ready_steps: 6, grace_rounds: 1, max_rounds: 2, reduction_factor: 2, max_bad_steps: 5, search_space: {lr: {log_uniform: [0.001, 0.1]}}}";
        string Cfg(string run) => Config(run, data.Cache32, tuner: asha);
        var runA = NewRunDir("asha-a");
        int rc = Train(2, Cfg(runA), RunLimit, out var a);
        Assert.True(rc == 0, a.Describe());
        var restarts = Lines(Path.Combine(runA, "lineage.jsonl")).Where(l => (string)l["kind"]! == "restart").ToList();
        Assert.Contains(restarts, r => (long)r["step"]! == 12);
        var schedule = new ScheduleConfig { Name = ScheduleKind.Cosine, WarmupSteps = 2 };
        foreach (var m in Lines(Path.Combine(runA, "metrics.jsonl")))
        {
            long step = (long)m["step"]!;
            var trialStart = restarts.Where(r => (int)r["target"]! == (int)m["member"]! && (long)r["step"]! < step).Select(r => (long)r["step"]!).DefaultIfEmpty(0).Max();
            // A trial is 12 steps long, or what is left of the run: the lr applied at the record's step is that schedule's, counted from the trial's start.
            double expected = new LrSchedule(schedule, Math.Min(12, 24 - trialStart)).At((double)m["lr"]!, step - 1 - trialStart);
            Assert.True(Math.Abs(expected - (double)m["scheduled_lr"]!) < 1e-12, $"member {m["member"]} step {step} (trial from step {trialStart}): scheduled lr {m["scheduled_lr"]}, expected {expected}");
        }

        var runB = NewRunDir("asha-b");
        var cfgB = Cfg(runB);
        using (var b = CliProcess.Start(2, ["train", cfgB]))
        {
            var latest = Path.Combine(runB, "checkpoints", "latest");
            Poll.Until(() => Poll.ReadShared(latest).Trim() == "step-00000018", RunLimit, "checkpoint set step 18", () => !b.Exited, b.Describe);
            b.Kill();
        }
        rc = Train(2, cfgB, RunLimit, out var resumed, null, "--resume");
        Assert.True(rc == 0, resumed.Describe());
        Assert.Equal(Deterministic(Path.Combine(runA, "metrics.jsonl")), Deterministic(Path.Combine(runB, "metrics.jsonl")));
        Assert.Equal(File.ReadAllText(Path.Combine(runA, "lineage.jsonl")), File.ReadAllText(Path.Combine(runB, "lineage.jsonl")));
    }

    [Fact]
    public void LossScaling_InjectedInfGradientOnOneRank_SkipsTheStepOnBoth_CountsIt_KeepsWeights_HalvesTheScale()
    {
        // The fp16 overflow path on a CPU: fp32 with loss scaling on, and step 3's gradient made +inf on the member's
        // first rank only (XRAYHPC_FAULT_INF_GRAD), as one rank's fp16 overflow leaves it.
        var run = NewRunDir("overflow");
        int rc = Train(2, Config(run, data.Cache32, maxSteps: 4, population: 1), RunLimit, out var p,
            new() { ["XRAYHPC_FAULT_INF_GRAD"] = "0:3:4" },
            "--set", "precision.dtype=fp32", "--set", "precision.loss_scaling=true", "--set", "tuner.ready_steps=1");
        Assert.True(rc == 0, p.Describe());
        var metrics = Lines(Path.Combine(run, "metrics.jsonl"));
        Assert.Equal([0L, 0, 1, 1], metrics.Select(m => (long)m["skipped_steps"]!));
        Assert.Equal([0L, 0, 1, 1], metrics.Select(m => (long)m["overflow_steps"]!));
        Assert.All(metrics, m => Assert.False((bool)m["failed"]!)); // one skip is below tuner.max_bad_steps

        var store = new CheckpointStore(Path.Combine(run, "checkpoints"));
        var (before, beforeDir) = store.Read(0, 2);
        var (skipped, skippedDir) = store.Read(0, 3);
        var (after, afterDir) = store.Read(0, 4);
        Assert.Equal(65536.0, before.GradScaler["scale"]);
        Assert.Equal(32768.0, skipped.GradScaler["scale"]);
        Assert.Equal(1, skipped.OverflowSteps);
        Assert.Equal(1, skipped.SkippedSteps);
        // The skipped step changed no weight and no optimizer state (BatchNorm statistics did move: the forward ran);
        // the next step trained again.
        static bool IsParameterOrOptimizerState(string name) => !name.Contains("running_") && !name.Contains("num_batches_tracked");
        Assert.True(SameTensors(beforeDir, skippedDir, "model.safetensors", IsParameterOrOptimizerState), "weights changed on the skipped step");
        Assert.True(SameTensors(beforeDir, skippedDir, "optimizer.safetensors", IsParameterOrOptimizerState), "optimizer state changed on the skipped step");
        Assert.False(SameTensors(skippedDir, afterDir, "model.safetensors", IsParameterOrOptimizerState), "step 4 did not train");

        var summary = JsonNode.Parse(File.ReadAllText(Path.Combine(run, "summary.json")))!;
        Assert.Equal(["cpu", "cpu"], summary["devices"]!.AsArray().Select(d => (string)d!));
        Assert.Equal(1, (long)summary["overflow_steps"]!);
        Assert.Contains("device cpu (run.device: auto", File.ReadAllText(Path.Combine(run, "logs", "rank-1.log")));
        Assert.Contains("gradient overflow, step skipped, loss scale now 32768", File.ReadAllText(Path.Combine(run, "logs", "rank-1.log")));
    }

    /// <summary>Whether two checkpoint files hold bit-equal tensors under the names <paramref name="keep"/> selects; every
    /// tensor read back is a CPU tensor (checkpoints are written from CPU copies, loadable on a CPU-only node).</summary>
    static bool SameTensors(string dirA, string dirB, string file, Func<string, bool> keep)
    {
        var (a, _) = XRayHpc.Torch.Safetensors.Load(Path.Combine(dirA, file));
        var (b, _) = XRayHpc.Torch.Safetensors.Load(Path.Combine(dirB, file));
        try
        {
            Assert.All(a.Values.Concat(b.Values), t => Assert.Equal(XRayHpc.Torch.Device.CPU, t.device));
            Assert.Equal(a.Keys.Order(StringComparer.Ordinal), b.Keys.Order(StringComparer.Ordinal));
            return a.Where(kv => keep(kv.Key)).All(kv => kv.Value.equal(b[kv.Key]));
        }
        finally { foreach (var t in a.Values.Concat(b.Values)) t.Dispose(); }
    }

    [Fact]
    public void Fp16_WhenRunDeviceAutoChoosesTheCpu_FailsAtStartupOnEveryRank_NamingTheKey_WritesNoMetrics()
    {
        var run = NewRunDir("fp16cpu");
        int rc = Train(2, Config(run, data.Cache32, maxSteps: 4, population: 1), RunLimit, out var p, null, "--set", "precision.dtype=fp16");
        Assert.True(rc == 2, p.Describe());
        Assert.Contains("rank 0: precision.dtype: fp16 needs a CUDA device, but run.device: auto chose the CPU", p.Stderr);
        Assert.Contains("rank 1: precision.dtype: fp16", p.Stderr);
        Assert.False(File.Exists(Path.Combine(run, "metrics.jsonl")));
    }

    [Fact]
    public void Sigusr1_MidRun_CheckpointsWithinOneStep_AndExits75()
    {
        var run = NewRunDir("usr1");
        using var p = CliProcess.Start(2, ["train", Config(run, data.Cache32, maxSteps: 400, population: 1)]);
        var log = Path.Combine(run, "logs", "rank-0.log");
        // Send the signal mid-epoch, between ready points: after step 3 has finished.
        Poll.Until(() => Poll.ReadShared(log).Contains("step 3 done"), RunLimit, "step 3 in rank-0.log", () => !p.Exited, p.Describe);
        p.Signal(10); // SIGUSR1 to mpirun, which forwards it to the ranks
        int rc = p.Wait(RunLimit);
        Assert.True(rc == 75, p.Describe());
        var text = File.ReadAllText(log);
        var at = long.Parse(Regex.Match(text, @"signal 10 received; last step started: (\d+)").Groups[1].Value);
        var store = new CheckpointStore(Path.Combine(run, "checkpoints"));
        var step = store.FindLatestComplete(1);
        Assert.NotNull(step);
        Assert.InRange(step!.Value, at, at + 1);
        Assert.True(step < 400);
        Assert.Contains($"stop signal at step {step}", text);
    }

    [Fact]
    public void Replay_RetrainsOneMembersHyperparameterSchedule()
    {
        var run = NewRunDir("replay");
        var lineage = run + "-lineage.jsonl";
        File.WriteAllText(lineage, string.Join("\n",
            """{"round":0,"step":0,"target":0,"kind":"initial","old":{},"new":{"lr":0.03,"momentum":0.9,"weight_decay":0.0001,"batch_size":16}}""",
            """{"round":0,"step":0,"target":1,"kind":"initial","old":{},"new":{"lr":0.01,"momentum":0.85,"weight_decay":0.0001,"batch_size":16}}""",
            """{"round":1,"step":6,"target":1,"source":0,"kind":"exploit","old":{"lr":0.01},"new":{"lr":0.024,"momentum":0.9,"weight_decay":0.0001,"batch_size":16}}""") + "\n");
        int rc = Train(1, Config(run, data.Cache32, maxSteps: 12), RunLimit, out var p, null,
            "--replay", lineage, "--member", "1", "--set", "checkpoint.enabled=false");
        Assert.True(rc == 0, p.Describe());
        var m = Lines(Path.Combine(run, "metrics.jsonl"));
        Assert.Equal([0.01, 0.024], m.Select(x => (double)x["lr"]!));
        Assert.Equal([0.85, 0.9], m.Select(x => (double)x["momentum"]!));
        Assert.All(m, x => Assert.Equal(0, (int)x["member"]!));
    }

    [Fact]
    public void CacheCutForTwoRanks_IsBalancedForTwo_AndWarnsWhenAMemberHasThree()
    {
        var cfg = XRayHpc.Training.Config.ConfigLoader.LoadFile(Config(NewRunDir("imbalance"), data.Cache64));
        string? Warning(int ranks) => MemberData.ImbalanceWarning(MemberData.BatchCountsPerRank(cfg, ranks, cfg.Data.BatchSize), cfg.Data.Cache);
        Assert.Null(Warning(1));
        Assert.Null(Warning(2));
        // Two row groups dealt whole to three ranks: one rank gets none and the others do all the work.
        var warning = Warning(3);
        Assert.NotNull(warning);
        Assert.Contains("0 to ", warning);
        Assert.Contains("--target-ranks 3", warning);
    }

    [Fact]
    public void Pneumonia64px_TwoRanks_ReachesMeanAuroc90()
    {
        var run = NewRunDir("auroc");
        var cfg = Config(run, data.Cache64, maxSteps: 60, population: 1);
        int rc = Train(2, cfg, RunLimit, out var p, null,
            "--set", "optimizer={name: adam, lr: 0.002, weight_decay: 0.0001}", "--set", "tuner.ready_steps=30", "--set", "checkpoint.enabled=false");
        Assert.True(rc == 0, p.Describe());
        var summary = JsonNode.Parse(File.ReadAllText(Path.Combine(run, "summary.json")))!;
        double val = (double)summary["val_mean_auroc"]!, test = (double)summary["test_mean_auroc"]!;
        Assert.True(val >= 0.90 && test >= 0.90, $"val {val:F4} test {test:F4}\n{File.ReadAllText(Path.Combine(run, "metrics.jsonl"))}");
        // Two ranks exchange gradients every step: the allreduce takes a measurable, partial share of step time.
        Assert.All(Lines(Path.Combine(run, "metrics.jsonl")), m => Assert.InRange((double)m["allreduce_share"]!, 1e-4, 0.9));
        Assert.InRange((double)summary["allreduce_share"]!, 1e-4, 0.9);
        // The breakdown: every record carries phase_s, the step's phases took time, and the phases of a record add up to
        // no more than the wall time between two records (they partition it; the first record also holds start-up).
        var records = Lines(Path.Combine(run, "metrics.jsonl"));
        double previous = 0;
        foreach (var m in records)
        {
            var phases = m["phase_s"]!.AsObject().ToDictionary(kv => kv.Key, kv => (double)kv.Value!);
            foreach (var phase in new[] { "data", "input", "forward", "sync", "backward", "allreduce", "optimizer", "evaluation", "checkpoint", "tuner", "other" })
                Assert.True(phases.ContainsKey(phase), $"phase_s lacks {phase}: {m["phase_s"]}");
            Assert.True(phases["forward"] > 0 && phases["backward"] > 0 && phases["allreduce"] > 0 && phases["evaluation"] > 0, m["phase_s"]!.ToJsonString());
            double time = (double)m["time_s"]!;
            Assert.True(phases.Values.Sum() <= time - previous + 0.05, $"phases {phases.Values.Sum():F3} s > {time - previous:F3} s between records");
            previous = time;
        }
        var total = summary["phase_s"]!.AsObject().ToDictionary(kv => kv.Key, kv => (double)kv.Value!);
        Assert.True(total.Values.Sum() <= (double)summary["wall_s"]! + 0.05 && total["forward"] > 0, summary["phase_s"]!.ToJsonString());
    }
}
