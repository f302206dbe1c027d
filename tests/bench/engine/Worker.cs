using System.Diagnostics;
using System.Text.Json;
using XRayHpc.Models;
using XRayHpc.Torch;
using XRayHpc.Torch.nn;
using XRayHpc.Torch.optim;

namespace XRayHpc.Bench.Engine;

/// <summary>
/// Our side of the bench: the same ResNet-18 pass as pytorch_worker.py — a training step (forward, cross-entropy,
/// backward, SGD momentum step) or an inference pass set up as <c>InferenceModel</c> (src/XRayHpc.Explain) sets up
/// `serve`/`predict` (eval, parameters without gradients, no_grad, autocast entered per pass) — driven over stdin
/// with the same protocol so the driver can interleave.
/// </summary>
internal static class Worker
{
    public static int Run(BenchConfig cfg, int threads)
    {
        torch.set_num_threads(threads);
        torch.manual_seed(0);
        var format = cfg.ChannelsLast ? MemoryFormat.ChannelsLast : MemoryFormat.Contiguous;
        bool train = cfg.Pass == "train";
        using var model = ResNet.resnet18(cfg.Classes, cfg.InChannels);
        model.to(format);
        if (train) model.train();
        else
        {
            foreach (var p in model.parameters()) p.requires_grad = false;
            model.eval();
        }
        using var opt = new SGD(model.parameters(), lr: 1e-3, momentum: 0.9);
        using var x = torch.randn([cfg.Batch, cfg.InChannels, cfg.Size, cfg.Size]).contiguous(format).DetachFromDisposeScope();
        using var y = torch.randint(0, cfg.Classes, [cfg.Batch]).DetachFromDisposeScope();

        void Step()
        {
            if (!train)
            {
                using var s = torch.NewDisposeScope();
                using var g = torch.no_grad();
                using (cfg.Bf16 ? torch.autocast(ScalarType.BFloat16) : null)
                    model.call(x).to(ScalarType.Float32);
                return;
            }
            using var scope = torch.NewDisposeScope();
            opt.zero_grad();
            Tensor loss;
            using (cfg.Bf16 ? torch.autocast(ScalarType.BFloat16) : null)
                loss = functional.cross_entropy(model.call(x), y);
            loss.backward();
            opt.step();
        }

        Console.WriteLine(JsonSerializer.Serialize(new { ready = true }));
        string? line;
        while ((line = Console.ReadLine()) != null)
        {
            var cmd = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (cmd.Length == 0) continue;
            if (cmd[0] == "run")
            {
                var times = new double[int.Parse(cmd[1])];
                for (int i = 0; i < times.Length; i++)
                {
                    long t0 = Stopwatch.GetTimestamp();
                    Step();
                    times[i] = Stopwatch.GetElapsedTime(t0).TotalSeconds;
                }
                Console.WriteLine(JsonSerializer.Serialize(new { times }));
            }
            else if (cmd[0] == "quit")
            {
                Console.WriteLine(JsonSerializer.Serialize(new { vmhwm_kb = ProcStatus.VmHwmKb(Environment.ProcessId) }));
                return 0;
            }
        }
        return 0;
    }
}
