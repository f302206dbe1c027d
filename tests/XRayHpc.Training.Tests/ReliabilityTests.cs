using System.Text.Json.Nodes;
using XRayHpc.Cache;
using XRayHpc.Checkpoint;
using XRayHpc.Training.Run;
using XRayHpc.Training.Train;

namespace XRayHpc.Training.Tests;

/// <summary>
/// Issue 12's reproductions: a run never ends "successfully" with a promise broken (checkpoints that failed, a run
/// directory shared or overwritten, a dataset too small to train on). Same collection as the other mpirun runs.
/// </summary>
[Collection("train-mpi")]
public sealed class ReliabilityTests(SynthCaches data)
{
    static readonly TimeSpan RunLimit = TimeSpan.FromMinutes(4);

    string NewRunDir(string name) => Path.Combine(data.Root, name + "-" + Guid.NewGuid().ToString("N")[..6]);

    static JsonNode Summary(string run) => JsonNode.Parse(File.ReadAllText(Path.Combine(run, "summary.json")))!;

    /// <summary>A checkpoint folder on a real small disk: a tmpfs of <paramref name="megabytes"/> (TmpfsFact tests only).</summary>
    (string CheckpointDir, Action Cleanup) SmallDisk(string run, int megabytes)
    {
        var mnt = run + "-ckpt";
        Directory.CreateDirectory(mnt);
        Tmpfs.Mount(mnt, $"{megabytes}m");
        return (Path.Combine(mnt, "ckpt"), () => Tmpfs.Unmount(mnt));
    }

    // Each full-disk case runs twice: on a real full tmpfs (skipped, with the reason shown, where tmpfs cannot be
    // mounted) and with the same saves failing through XRAYHPC_FAULT_CHECKPOINT (always), so which path a
    // result came from is in the test's name.

    // ~90 MB per set (ResNet-18 weights + SGD momentum): the step-6 set fits in 130 MB, the step-12 set does not.
    [TmpfsFact]
    public void FinalCheckpointDoesNotFit_OnARealFullDisk_ExitsOne_SummaryNamesOnlyCheckpointsOnDisk()
    {
        var run = NewRunDir("full");
        var (ckpt, cleanup) = SmallDisk(run, 130);
        try { FinalCheckpointDoesNotFit(run, ckpt, null); }
        finally { cleanup(); }
    }

    [Fact]
    public void FinalCheckpointWriteFails_Injected_ExitsOne_SummaryNamesOnlyCheckpointsOnDisk()
    {
        var run = NewRunDir("full-injected");
        FinalCheckpointDoesNotFit(run, Path.Combine(run + "-ckpt", "ckpt"), new() { ["XRAYHPC_FAULT_CHECKPOINT"] = "12:2" });
    }

    void FinalCheckpointDoesNotFit(string run, string ckpt, Dictionary<string, string>? env)
    {
        int rc = TrainRunTests.Train(1, TrainRunTests.Config(run, data.Cache32, maxSteps: 12, population: 1), RunLimit, out var p, env, "--set", $"checkpoint.dir={ckpt}");
        Assert.True(rc == 1, p.Describe());
        Assert.Contains("checkpoint failed at step 12", p.Stderr);
        Assert.Contains("the previous checkpoint set (step 6)", p.Stderr);
        Assert.Contains("train: FAILED: the final checkpoint (step 12) was not saved", p.Stderr);
        var log = File.ReadAllText(Path.Combine(run, "logs", "rank-0.log"));
        Assert.Contains("retrying once", log);
        var store = new CheckpointStore(ckpt);
        Assert.Equal(6, store.FindLatestComplete(1));
        Assert.Empty(Directory.GetDirectories(store.MemberDir(0), ".tmp-*"));
        // The final model is not on disk: no metric of it is reported; the best checkpoint named is one that loads.
        var summary = Summary(run);
        Assert.Null(summary["checkpoint"]);
        Assert.Null(summary["test_mean_auroc"]);
        Assert.Equal("member-0/step-00000006", (string)summary["best_checkpoint"]!);
        Assert.Null(store.Verify(0, 6));
    }

    [TmpfsFact]
    public void NoCheckpointFits_OnARealFullDisk_NeverClaimsAnIntactPreviousSet_ExitsOne()
    {
        var run = NewRunDir("tiny-disk");
        var (ckpt, cleanup) = SmallDisk(run, 20);
        try { NoCheckpointFits(run, ckpt, null); }
        finally { cleanup(); }
    }

    [Fact]
    public void NoCheckpointWriteSucceeds_Injected_NeverClaimsAnIntactPreviousSet_ExitsOne()
    {
        var run = NewRunDir("tiny-disk-injected");
        NoCheckpointFits(run, Path.Combine(run + "-ckpt", "ckpt"), new() { ["XRAYHPC_FAULT_CHECKPOINT"] = "6:2" });
    }

    void NoCheckpointFits(string run, string ckpt, Dictionary<string, string>? env)
    {
        int rc = TrainRunTests.Train(1, TrainRunTests.Config(run, data.Cache32, maxSteps: 6, population: 1), RunLimit, out var p, env, "--set", $"checkpoint.dir={ckpt}");
        Assert.True(rc == 1, p.Describe());
        Assert.Contains("no checkpoint set has been written", p.Stderr);
        Assert.DoesNotContain("intact", p.Stderr + File.ReadAllText(Path.Combine(run, "logs", "rank-0.log")));
        var summary = Summary(run);
        Assert.Null(summary["checkpoint"]);
        Assert.Null(summary["best_checkpoint"]);
    }

    [Fact]
    public void FailedSaveIsRetriedOnce_ResumeOnEmptyDirSaysSo_PathsSavedAbsolute_EvaluateFromElsewhere()
    {
        // Relative paths, run from data.Root; then evaluate from another working directory.
        var name = "retry-" + Guid.NewGuid().ToString("N")[..6];
        var run = Path.Combine(data.Root, name);
        var cfg = TrainRunTests.Config(run, data.Cache32, maxSteps: 6, population: 1);
        File.WriteAllText(cfg, File.ReadAllText(cfg).Replace($"\"{run}\"", $"\"{name}\"").Replace($"\"{data.Cache32}\"", $"\"{Path.GetRelativePath(data.Root, data.Cache32)}\""));
        using (var p = CliProcess.Start(1, ["train", cfg, "--resume"], new Dictionary<string, string> { ["XRAYHPC_FAULT_CHECKPOINT"] = "6:1" }, data.Root))
        {
            int rc = p.Wait(RunLimit);
            Assert.True(rc == 0, p.Describe());
            Assert.Contains($"--resume: {run} holds no earlier run", p.Stderr); // on the console, not only in the log
            var log = File.ReadAllText(Path.Combine(run, "logs", "rank-0.log"));
            Assert.Contains("retrying once", log);
            Assert.Contains("checkpoint step 6 written on the second attempt", log);
            Assert.Equal("member-0/step-00000006", (string)Summary(run)["checkpoint"]!);
            Assert.False(File.Exists(Path.Combine(run, RunDirectoryLock.FileName)), "the lock is released on exit");
        }
        var saved = XRayHpc.Training.Config.ConfigLoader.LoadFile(Path.Combine(run, "config.resolved.yaml"));
        Assert.Equal(run, saved.Run.Dir);
        Assert.Equal(data.Cache32, saved.Data.Cache);
        using var ev = CliProcess.Start(0, ["evaluate", run, "--checkpoint", "best", "--split", "val"], null, Path.GetTempPath());
        Assert.True(ev.Wait(RunLimit) == 0, ev.Describe());
    }

    [Fact]
    public void RunDirectory_SecondConcurrentRunRefused_RerunRefused_IncompatibleResumeWritesNothing_StaleLockReported()
    {
        var run = NewRunDir("owned");
        var cfg = TrainRunTests.Config(run, data.Cache32, maxSteps: 400, population: 1);
        var lockPath = Path.Combine(run, RunDirectoryLock.FileName);
        using (var a = CliProcess.Start(1, ["train", cfg]))
        {
            Poll.Until(() => Poll.ReadShared(Path.Combine(run, "logs", "rank-0.log")).Contains("step 1 done"), RunLimit, "first run at step 1", () => !a.Exited, a.Describe);
            var owner = LockOwner.Parse(File.ReadAllText(lockPath));
            Assert.NotNull(owner);
            Assert.Equal(Environment.MachineName, owner.Host);

            int rc = TrainRunTests.Train(1, cfg, RunLimit, out var b, null, "--resume");
            Assert.True(rc == 2, b.Describe());
            Assert.Contains($"run directory {run} is in use by pid {owner.Pid} on host {owner.Host}", b.Stderr);

            a.Signal(10); // the first run checkpoints and exits 75, releasing the directory
            Assert.True(a.Wait(RunLimit) == 75, a.Describe());
        }
        Assert.False(File.Exists(lockPath));

        // A plain rerun would overwrite the interrupted run's results.
        int rc2 = TrainRunTests.Train(1, cfg, RunLimit, out var rerun);
        Assert.True(rc2 == 2, rerun.Describe());
        Assert.Contains("already holds a run", rerun.Stderr);
        Assert.Contains("--overwrite", rerun.Stderr);

        // --resume with another model: refused before anything is written (config.resolved.yaml keeps the first run's).
        var before = File.ReadAllBytes(Path.Combine(run, "config.resolved.yaml"));
        var metricsBefore = File.Exists(Path.Combine(run, "metrics.jsonl")) ? File.ReadAllBytes(Path.Combine(run, "metrics.jsonl")) : [];
        int rc3 = TrainRunTests.Train(1, cfg, RunLimit, out var changed, null, "--resume", "--set", "model.name=resnet34", "--set", "data.batch_size=8");
        Assert.True(rc3 == 2, changed.Describe());
        Assert.Contains("model.name: resnet18 -> resnet34", changed.Stderr);
        Assert.Contains("data.batch_size: 16 -> 8", changed.Stderr);
        Assert.Equal(before, File.ReadAllBytes(Path.Combine(run, "config.resolved.yaml")));
        Assert.Equal(metricsBefore, File.Exists(Path.Combine(run, "metrics.jsonl")) ? File.ReadAllBytes(Path.Combine(run, "metrics.jsonl")) : []);

        // A lock held on another host cannot be checked from here: refused, naming its owner.
        File.WriteAllText(lockPath, new LockOwner("other-node", 4242, "777", DateTimeOffset.UtcNow).ToText());
        int rc4 = TrainRunTests.Train(1, cfg, RunLimit, out var foreign, null, "--resume");
        Assert.True(rc4 == 2, foreign.Describe());
        Assert.Contains("is in use by pid 4242 on host other-node (Slurm job 777)", foreign.Stderr);
        Assert.True(File.Exists(lockPath), "another job's lock is never removed");

        // The lock of a process that is gone on this host is taken over, and said so on the console; the resume
        // may change max_steps (README) and finishes the run.
        int deadPid;
        using (var gone = System.Diagnostics.Process.Start("true")!) { gone.WaitForExit(); deadPid = gone.Id; }
        File.WriteAllText(lockPath, new LockOwner(Environment.MachineName, deadPid, null, DateTimeOffset.UtcNow).ToText());
        var latest = new CheckpointStore(Path.Combine(run, "checkpoints")).FindLatestComplete(1)!.Value;
        int rc5 = TrainRunTests.Train(1, cfg, RunLimit, out var resumed, null, "--resume", "--set", $"schedule.max_steps={latest + 2}");
        Assert.True(rc5 == 0, resumed.Describe());
        Assert.Contains($"took over the stale lock of pid {deadPid} on host {Environment.MachineName}", resumed.Stderr);
        Assert.False(File.Exists(lockPath));
    }

    [Fact]
    public void TrainRefusesATrainSplitTooSmallForItsRanks_OrAClassWithoutValPositives_NamingIt()
    {
        var cfg = XRayHpc.Training.Config.ConfigLoader.LoadFile(TrainRunTests.Config(NewRunDir("fit"), data.Cache32, population: 1));
        var manifest = CacheManifest.Load(data.Cache32);
        Assert.Empty(CacheFitness.Problems(cfg, manifest, 2));
        // Batch counts per rank as the loader deals them: one batch for three ranks is refused, one per rank is not.
        Assert.Contains(CacheFitness.Problems(cfg, manifest, [1, 0, 0]), p => p.Contains("gives the 3 ranks of a member 1 batch per epoch"));
        Assert.Empty(CacheFitness.Problems(cfg, manifest, [2, 0]));

        // End to end: a cache whose val split has no positive Pneumonia row (as with 12 images) exits 2 naming the class.
        var cache = Path.Combine(data.Root, "nopos-" + Guid.NewGuid().ToString("N")[..6]);
        foreach (var f in Directory.GetFiles(data.Cache32, "*", SearchOption.AllDirectories))
        {
            var to = Path.Combine(cache, Path.GetRelativePath(data.Cache32, f));
            Directory.CreateDirectory(Path.GetDirectoryName(to)!);
            File.Copy(f, to);
        }
        var edited = CacheManifest.Load(cache);
        var val = edited.GetSplit("val");
        val.Negatives[0] += val.Positives[0];
        val.Positives[0] = 0;
        edited.Save(cache);
        var run = NewRunDir("fit-val");
        int rc = TrainRunTests.Train(1, TrainRunTests.Config(run, cache, population: 1), RunLimit, out var p);
        Assert.True(rc == 2, p.Describe());
        Assert.Contains($"the val split has 0 positive and {val.Negatives[0]} negative rows for class '{edited.ClassNames[0]}'", p.Stderr);
        Assert.Contains("undefined", p.Stderr);
        Assert.False(Directory.Exists(run));
    }

    [Fact]
    public void Preprocess_HeaderOnlyCsv_AndFourImages_ExitTwo_NamingTheEmptySplitAndInput()
    {
        var rsna = Path.Combine(data.Root, "rsna-empty-" + Guid.NewGuid().ToString("N")[..6]);
        Directory.CreateDirectory(Path.Combine(rsna, "stage_2_train_images"));
        File.WriteAllText(Path.Combine(rsna, "stage_2_train_labels.csv"), "patientId,x,y,width,height,Target\n");
        using (var p = CliProcess.Start(0, ["preprocess", "--layout", "rsna", "--input", rsna, "--output", rsna + "-cache", "--size", "32",
                   "--salt-file", Path.Combine(data.Root, "salt")]))
        {
            Assert.True(p.Wait(RunLimit) == 2, p.Describe());
            Assert.Contains($"{rsna}: ", p.Stderr);
            Assert.Contains("splits 'train', 'val', 'test' are empty", p.Stderr);
            Assert.False(File.Exists(Path.Combine(rsna + "-cache", "manifest.yaml")));
        }

        var raw = Path.Combine(data.Root, "four-" + Guid.NewGuid().ToString("N")[..6]);
        using (var s = CliProcess.Start(0, ["synth", "--layout", "chestxray2017", "--out", raw, "--count", "4", "--size", "32", "--seed", "1"]))
            Assert.True(s.Wait(RunLimit) == 0, s.Describe());
        using (var p = CliProcess.Start(0, ["preprocess", "--layout", "chestxray2017", "--input", raw, "--output", raw + "-cache", "--size", "32",
                   "--salt-file", Path.Combine(data.Root, "salt")]))
        {
            Assert.True(p.Wait(RunLimit) == 2, p.Describe());
            Assert.Matches(@"split(s)? '(train|val|test)'.* empty", p.Stderr);
            Assert.Contains(raw, p.Stderr);
            Assert.False(File.Exists(Path.Combine(raw + "-cache", "manifest.yaml")));
        }
    }
    [Fact]
    public void FlippedBytesInTrainShards_VerifyNamesThem_DataVerifyFullRefuses_TrainingStopsAtTheNamedPage()
    {
        var cache = Path.Combine(data.Root, "corrupt-" + Guid.NewGuid().ToString("N")[..6]);
        foreach (var f in Directory.GetFiles(data.Cache32, "*", SearchOption.AllDirectories))
        {
            var to = Path.Combine(cache, Path.GetRelativePath(data.Cache32, f));
            Directory.CreateDirectory(Path.GetDirectoryName(to)!);
            File.Copy(f, to);
        }
        var shards = CacheVerifier.Shards(CacheManifest.Load(cache)).Where(s => s.Split == "train").ToList();
        foreach (var s in shards)
        {
            // 64 bytes in the middle of the shard, as in the issue (the image pages hold most of a shard).
            var path = Path.Combine(cache, s.RelativePath);
            var bytes = File.ReadAllBytes(path);
            for (int i = 0; i < 64; i++) bytes[bytes.Length / 2 + i] ^= 0x5A;
            File.WriteAllBytes(path, bytes);
        }

        using (var ok = CliProcess.Start(0, ["verify", data.Cache32]))
        {
            Assert.True(ok.Wait(RunLimit) == 0, ok.Describe());
            Assert.Contains("every sha256 matches the manifest", ok.Stdout);
        }
        using (var bad = CliProcess.Start(0, ["verify", cache]))
        {
            Assert.True(bad.Wait(RunLimit) == 1, bad.Describe());
            foreach (var s in shards) Assert.Contains($"{Path.Combine(cache, s.RelativePath)}: sha256", bad.Stderr);
            Assert.Contains("MISMATCH", bad.Stderr);
        }

        var run = NewRunDir("verify-full");
        int rc = TrainRunTests.Train(2, TrainRunTests.Config(run, cache, maxSteps: 12, population: 1), RunLimit, out var full, null, "--set", "data.verify=full");
        Assert.True(rc == 2, full.Describe());
        Assert.Contains("data.verify: full: the cache does not match its manifest", full.Stderr);
        Assert.Contains(Path.Combine(cache, shards[0].RelativePath), full.Stderr);
        Assert.False(Directory.Exists(run));

        // Without the full check the page CRC stops the job at the first corrupt page read, naming it.
        var run2 = NewRunDir("verify-pages");
        int rc2 = TrainRunTests.Train(2, TrainRunTests.Config(run2, cache, maxSteps: 12, population: 1), RunLimit, out var pages);
        Assert.True(rc2 != 0, pages.Describe());
        Assert.Matches(@"corrupt-\w+/train/[^:]+\.parquet: row group \d+: column '\w+': byte offset \d+: (page \d+: CRC-32 mismatch|corrupt)", pages.Stderr);
    }
    /// <summary>metrics.jsonl without the wall-clock fields, which no rerun reproduces.</summary>
    static string[] Deterministic(string run) => TrainRunTests.Lines(Path.Combine(run, "metrics.jsonl")).Select(o =>
    {
        o.Remove("time_s"); o.Remove("images_per_s"); o.Remove("allreduce_share"); o.Remove("phase_s");
        return o.ToJsonString();
    }).ToArray();

    [Fact]
    public void SignalCheckpoints_OnAMemberOfTwoRanks_ResumeBitExact_BatchNormAndTrainLossIncluded()
    {
        // One member on two ranks: between evaluations each rank's BatchNorm statistics differ, and each rank has
        // its own share of the interval's training loss; a signal checkpoint must keep both exactly.
        string Cfg(string run) => TrainRunTests.Config(run, data.Cache32, maxSteps: 12, population: 1);
        var reference = NewRunDir("sig-ref");
        Assert.True(TrainRunTests.Train(2, Cfg(reference), RunLimit, out var a) == 0, a.Describe());

        // (signal, to whom, after which rank-0 log text): mid-interval, and right after an evaluation.
        (int Signal, bool ToRank1, string After)[] points = [(10, false, "step 3 done"), (15, true, "round 1 step 6:")];
        foreach (var (signal, toRank1, after) in points)
        {
            var run = NewRunDir($"sig{signal}");
            var log0 = Path.Combine(run, "logs", "rank-0.log");
            using (var b = CliProcess.Start(2, ["train", Cfg(run)]))
            {
                Poll.Until(() => Poll.ReadShared(log0).Contains(after), RunLimit, after, () => !b.Exited, b.Describe);
                if (toRank1)
                {
                    // SIGTERM to one rank only (as a node's OOM handler or an admin would): all ranks still agree.
                    var m = System.Text.RegularExpressions.Regex.Match(Poll.ReadShared(Path.Combine(run, "logs", "rank-1.log")), @"rank 1/2 \(pid (\d+)\)");
                    Assert.True(m.Success, b.Describe());
                    Assert.Equal(0, Syscall.kill(int.Parse(m.Groups[1].Value), signal));
                }
                else b.Signal(signal);
                Assert.True(b.Wait(RunLimit) == 75, $"signal {signal}: {b.Describe()}");
            }
            var at = new CheckpointStore(Path.Combine(run, "checkpoints")).FindLatestComplete(1);
            Assert.NotNull(at);
            Assert.True(at < 12, $"signal {signal}: checkpoint at {at}");
            int rc = TrainRunTests.Train(2, Cfg(run), RunLimit, out var resumed, null, "--resume");
            Assert.True(rc == 0, resumed.Describe());
            Assert.Equal(Deterministic(reference), Deterministic(run));
            Assert.Equal((string)Summary(reference)["final_checksum"]!, (string)Summary(run)["final_checksum"]!);
            Assert.Equal(File.ReadAllText(Path.Combine(reference, "predictions.csv")), File.ReadAllText(Path.Combine(run, "predictions.csv")));
        }
    }

    [Fact]
    public void SigtermDuringPbtExploit_CheckpointsExitsSeventyFive_ResumeBitExact()
    {
        // Two members of one rank each: at the step-6 evaluation the worse member takes the better one's weights and
        // optimizer state; rank 1 gets SIGTERM in the middle of that copy (XRAYHPC_FAULT_SIGNAL_EXPLOIT).
        string Cfg(string run) => TrainRunTests.Config(run, data.Cache32, maxSteps: 18, population: 2);
        var reference = NewRunDir("exploit-ref");
        Assert.True(TrainRunTests.Train(2, Cfg(reference), RunLimit, out var a) == 0, a.Describe());
        var run = NewRunDir("exploit-sig");
        int rc = TrainRunTests.Train(2, Cfg(run), RunLimit, out var b, new() { ["XRAYHPC_FAULT_SIGNAL_EXPLOIT"] = "1:15" });
        Assert.True(rc == 75, b.Describe()); // 0 here: no exploit happened, so the signal was never sent
        Assert.Contains("exploit: member", File.ReadAllText(Path.Combine(run, "logs", "rank-0.log")));
        Assert.Contains("signal 15 received", File.ReadAllText(Path.Combine(run, "logs", "rank-1.log")));
        var at = new CheckpointStore(Path.Combine(run, "checkpoints")).FindLatestComplete(2);
        Assert.True(at is >= 6 and < 18, $"checkpoint at {at}");
        rc = TrainRunTests.Train(2, Cfg(run), RunLimit, out var resumed, null, "--resume");
        Assert.True(rc == 0, resumed.Describe());
        Assert.Equal(Deterministic(reference), Deterministic(run));
        Assert.Equal(File.ReadAllLines(Path.Combine(reference, "lineage.jsonl")), File.ReadAllLines(Path.Combine(run, "lineage.jsonl")));
        Assert.Equal((string)Summary(reference)["final_checksum"]!, (string)Summary(run)["final_checksum"]!);
    }

    [Fact]
    public void StoppedRank_WithRunCollectiveTimeout_EndsTheJobNamingStepAndRank()
    {
        // SIGSTOP (as a hung NFS read leaves a rank): without run.collective_timeout rank 0 would wait forever.
        // 15 s, not less: on the busy 2-core CI machine one rank can start several seconds after the other.
        var run = NewRunDir("stall");
        var log1 = Path.Combine(run, "logs", "rank-1.log");
        using var b = CliProcess.Start(2, ["train", TrainRunTests.Config(run, data.Cache32, maxSteps: 200, population: 1), "--set", "run.collective_timeout=15"]);
        Poll.Until(() => Poll.ReadShared(log1).Contains("step 3 done"), RunLimit, "rank 1 past step 3", () => !b.Exited, b.Describe);
        var m = System.Text.RegularExpressions.Regex.Match(Poll.ReadShared(log1), @"rank 1/2 \(pid (\d+)\)");
        Assert.True(m.Success, b.Describe());
        const int SIGSTOP = 19;
        Assert.Equal(0, Syscall.kill(int.Parse(m.Groups[1].Value), SIGSTOP));
        Assert.True(b.Wait(RunLimit) == 1, b.Describe());
        // Stopped while computing (rank 0 asks and names it) or inside an exchange (the watchdog ends the job).
        Assert.Matches(new System.Text.RegularExpressions.Regex(@"rank 0 of 2 aborting the MPI job \(code 1\): collective timeout: MPI_\w+( \(wait\))? \(step \d+, collective #\d+ of rank 0\) did not complete within 15 s " +
            $@"(on a communicator of 2 ranks; NOT ARRIVED \([^)]*\): rank 1 \(pid {m.Groups[1].Value} on|although all 2 ranks of its communicator had arrived)"), b.Stderr);
    }

    [Fact]
    public void StoppedRankDuringEvaluate_WithCollectiveTimeout_EndsTheJobNamingTheRank_BadTimeoutIsAConfigError()
    {
        // evaluate/predict gather scores over MPI like training: a rank stopped after loading the model (the hook
        // SIGSTOPs it there) must not leave rank 0 waiting forever. 15 s as in the training case above.
        var run = NewRunDir("stall-eval");
        int rc = TrainRunTests.Train(1, TrainRunTests.Config(run, data.Cache32, maxSteps: 6, population: 1), RunLimit, out var t);
        Assert.True(rc == 0, t.Describe());
        using (var ev = CliProcess.Start(2, ["evaluate", run, "--split", "val", "--collective-timeout", "15"],
                   new Dictionary<string, string> { ["XRAYHPC_FAULT_STOP_INFERENCE"] = "1" }))
        {
            Assert.True(ev.Wait(RunLimit) == 1, ev.Describe());
            Assert.True(System.Text.RegularExpressions.Regex.IsMatch(ev.Stderr, @"rank 0 of 2 aborting the MPI job \(code 1\): collective timeout: MPI_\w+( \(wait\))? " +
                @"\(outside the training steps, collective #\d+ of rank 0\) did not complete within 15 s on a communicator of 2 ranks; NOT ARRIVED \([^)]*\): rank 1 \(pid \d+ on"), ev.Describe());
        }
        foreach (var cmd in new[] { "evaluate", "select" })
        {
            string[] args = cmd == "evaluate" ? [cmd, run, "--collective-timeout", "-1"] : [cmd, run, "--out", run + "-pkg", "--collective-timeout", "-1"];
            using var bad = CliProcess.Start(0, args);
            Assert.True(bad.Wait(RunLimit) == 2, bad.Describe());
            Assert.Contains("--collective-timeout -1: must be a number of seconds >= 0 (0 = off)", bad.Stderr);
        }
    }
}
