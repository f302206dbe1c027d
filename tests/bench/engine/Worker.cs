using System.Diagnostics;
using System.Text.Json;
using XRayHpc.Models;
using XRayHpc.Torch;
using XRayHpc.Torch.nn;
using XRayHpc.Torch.optim;

namespace XRayHpc.Bench.Engine;

/// <summary>
/// Our side of the bench: the same ResNet-18 training step as pytorch_worker.py (forward, cross-entropy,
/// backward, SGD momentum step), driven over stdin with the same protocol so the driver can interleave.
/// </summary>
internal static class Worker
{
    public static int Run(BenchConfig cfg, int threads)
    {
        torch.set_num_threads(threads);
        torch.manual_seed(0);
        var format = cfg.ChannelsLast ? MemoryFormat.ChannelsLast : MemoryFormat.Contiguous;
        using var model = ResNet.resnet18(1000);
        model.to(format);
        model.train();
        using var opt = new SGD(model.parameters(), lr: 1e-3, momentum: 0.9);
        using var x = torch.randn([cfg.Batch, 3, cfg.Size, cfg.Size]).contiguous(format).DetachFromDisposeScope();
        using var y = torch.randint(0, 1000, [cfg.Batch]).DetachFromDisposeScope();

        void Step()
        {
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
