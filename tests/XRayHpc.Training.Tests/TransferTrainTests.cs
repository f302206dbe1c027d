using XRayHpc.Checkpoint;
using XRayHpc.Determinism;
using XRayHpc.Models;
using XRayHpc.Torch;
using XRayHpc.Training.Config;
using XRayHpc.Training.Train;

namespace XRayHpc.Training.Tests;

/// <summary>
/// model.init + model.freeze end to end: `xrayhpc train` on 2 ranks starting from a 3-channel, 14-class
/// ResNet-18 safetensors file (stem adapted, head re-initialised), backbone frozen, head lr scaled.
/// Every frozen tensor (weights and BatchNorm statistics) is bit-identical to its initial value afterwards,
/// the head changed, and the optimizer holds state for the head only.
/// </summary>
[Collection("train-mpi")]
public sealed class TransferTrainTests(SynthCaches data)
{
    [Fact]
    public void FreezeBackbone_FromPretrainedFile_LeavesEveryFrozenTensorBitIdentical_AndTrainsTheHead()
    {
        var run = Path.Combine(data.Root, "transfer-" + Guid.NewGuid().ToString("N")[..6]);
        Directory.CreateDirectory(run + "-in");
        var pretrained = Path.Combine(run + "-in", "imagenet-like.safetensors");
        torch.manual_seed(77);
        using (var source = ModelZoo.Create("resnet18", 14, 3))
        using (torch.no_grad())
        {
            // Non-trivial BatchNorm statistics, so "unchanged" is not "still the defaults".
            foreach (var (k, t) in source.state_dict())
                if (k.EndsWith("running_mean") || k.EndsWith("running_var")) t.uniform_(0.2, 0.8);
            Safetensors.Save(pretrained, source.state_dict());
        }
        var yaml = run + ".yaml";
        File.WriteAllText(yaml, $$"""
            run: {name: t, dir: "{{run}}", seed: 5, threads: 1}
            data: {cache: "{{data.Cache32}}", task: multilabel, batch_size: 16, eval_batch_size: 64, augment: true, loader_threads: 1, normalize: imagenet}
            model: {name: resnet18, in_channels: 1, init: {from: "{{pretrained}}", strict: true}, freeze: backbone}
            optimizer: {name: sgd, lr: 0.05, momentum: 0.9, weight_decay: 0.0001, head_lr_scale: 10}
            schedule: {name: constant, max_steps: 8}
            precision: {dtype: bf16, channels_last: true}
            tuner: {kind: none, population: 1, ready_steps: 4}
            logging: {level: info, progress: plain}
            """);

        using var p = CliProcess.Start(2, ["train", yaml]);
        int rc = p.Wait(TimeSpan.FromMinutes(4));
        Assert.True(rc == 0, p.Describe());

        // The initial state, rebuilt in this process exactly as the trainer's member 0 built it.
        var cfg = ConfigLoader.LoadFile(yaml);
        using var initial = new MemberModel(cfg, 1, Seeds.For(cfg.Run.Seed, "init", 0), new Dictionary<string, double>());
        var store = new CheckpointStore(Path.Combine(run, "checkpoints"));
        var (_, dir) = store.Read(0, store.FindLatestComplete(1)!.Value);
        Assert.EndsWith("step-00000008", dir);
        var (trained, _) = Safetensors.Load(Path.Combine(dir, "model.safetensors"));
        var (opt, _) = Safetensors.Load(Path.Combine(dir, "optimizer.safetensors"));

        var start = initial.Net.state_dict();
        Assert.Equal(start.Keys.Order(), trained.Keys.Order());
        int frozen = 0;
        foreach (var (k, t0) in start)
        {
            bool same = Bytes(t0).SequenceEqual(Bytes(trained[k]));
            if (k.StartsWith("fc.")) Assert.False(same, $"head tensor {k} did not change");
            else { Assert.True(same, $"frozen tensor {k} changed during training"); frozen++; }
        }
        Assert.Equal(start.Count - 2, frozen);
        Assert.Contains(start.Keys, k => k.EndsWith("running_var")); // BN statistics are among the frozen tensors
        // SGD momentum for the two head parameters only: the frozen ones never reached the optimizer.
        Assert.Equal(2, opt.Count);

        var log = File.ReadAllText(Path.Combine(run, "logs", "rank-0.log"));
        Assert.Contains("adapted: conv1.weight (3 -> 1 input channels: RGB kernels summed)", log);
        Assert.Contains("re-initialised: fc.weight (file [14,512], model [1,512]), fc.bias (file [14], model [1])", log);
        Assert.Contains("parameters frozen", log);
        foreach (var t in trained.Values.Concat(opt.Values)) t.Dispose();
    }

    [Fact]
    public void Freeze_and_init_config_errors_name_the_key()
    {
        var bad = Path.Combine(data.Root, "bad-freeze.yaml");
        File.WriteAllText(bad, $$"""
            run: {dir: "{{data.Root}}/never"}
            data: {cache: "{{data.Cache32}}"}
            model: {name: densenet121, init: {from: /nonexistent.pth}, freeze: {through: layer2} }
            optimizer: {head_lr_scale: 0}
            """);
        var e = Assert.Throws<ConfigException>(() => ConfigLoader.LoadFile(bad));
        Assert.Contains("model.init.from", e.Message);
        Assert.Contains("model.freeze.through: 'layer2' is not a stage of densenet121", e.Message);
        Assert.Contains("optimizer.head_lr_scale", e.Message);
        File.WriteAllText(bad, $"run: {{dir: x}}\ndata: {{cache: c}}\nmodel: {{freeze: everything}}\n");
        e = Assert.Throws<ConfigException>(() => ConfigLoader.LoadFile(bad));
        Assert.Contains("'everything' is not one of none | backbone | {through: <stage>}", e.Message);
        File.WriteAllText(bad, $"run: {{dir: x}}\ndata: {{cache: c}}\nmodel: {{freeze: backbone}}\n");
        var ok = ConfigLoader.LoadFile(bad);
        Assert.Equal(FreezeMode.Backbone, ok.Model.Freeze.Effective);
        Assert.Equal(FreezeMode.Backbone, ConfigLoader.Load(ConfigLoader.ToYaml(ok), "resolved").Model.Freeze.Effective);
    }

    [Fact]
    public void WeightsImport_ConvertsAPthToSafetensors_AndRefusesAPickleThatRunsCode()
    {
        var dir = Directory.CreateTempSubdirectory("xrayhpc-import-").FullName;
        try
        {
            var marker = Path.Combine(dir, "ran");
            var script = $$"""
                import collections, os, torch
                class P:
                    def __reduce__(self): return (os.system, ("touch {{marker}}",))
                torch.save(collections.OrderedDict(w=torch.arange(6.).reshape(2, 3), n=torch.tensor(3)), "{{dir}}/ok.pth", _use_new_zipfile_serialization=False)
                torch.save({"w": P()}, "{{dir}}/evil.pth")
                """;
            var py = System.Diagnostics.Process.Start("/usr/bin/python3", ["-c", script])!;
            py.WaitForExit();
            Assert.Equal(0, py.ExitCode);

            using (var p = CliProcess.Start(0, ["weights", "import", Path.Combine(dir, "ok.pth"), "--out", Path.Combine(dir, "ok.safetensors")]))
            {
                Assert.True(p.Wait(TimeSpan.FromMinutes(1)) == 0, p.Describe());
                Assert.Contains("w\t[2, 3]\tFloat32", p.Stdout);
                Assert.Contains("n\t[]\tInt64", p.Stdout);
            }
            var (t, meta) = Safetensors.Load(Path.Combine(dir, "ok.safetensors"));
            Assert.Equal([0f, 1, 2, 3, 4, 5], t["w"].ToArray<float>());
            Assert.Equal("pth", meta["source_format"]);
            foreach (var x in t.Values) x.Dispose();

            using (var p = CliProcess.Start(0, ["weights", "import", Path.Combine(dir, "evil.pth"), "--out", Path.Combine(dir, "evil.safetensors")]))
            {
                Assert.True(p.Wait(TimeSpan.FromMinutes(1)) == 2, p.Describe());
                Assert.Contains("posix.system", p.Stderr);
            }
            Assert.False(File.Exists(marker));
            Assert.False(File.Exists(Path.Combine(dir, "evil.safetensors")));
        }
        finally { Directory.Delete(dir, true); }
    }

    static byte[] Bytes(Tensor t)
    {
        using var c = t.contiguous();
        return c.ToBytes();
    }
}
