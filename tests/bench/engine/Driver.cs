using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using XRayHpc.Torch;

namespace XRayHpc.Bench.Engine;

/// <summary>One bench cell. <see cref="Pass"/> is "train" (forward, cross-entropy, backward, SGD step) or "infer"
/// (an eval-mode forward pass without gradients, as `xrayhpc serve`/`evaluate` run it); <see cref="InChannels"/> is 3
/// (torchvision's stem) or 1 (the grey-film stem our runs train).</summary>
internal sealed record BenchConfig(int Size, bool Bf16, bool ChannelsLast, int Batch, string Pass, int InChannels, int Classes)
{
    public string Name => $"{Size} px {(Bf16 ? "bf16" : "fp32")} {(ChannelsLast ? "channels_last" : "contiguous")}";
    public string[] WorkerArgs => [Size.ToString(CultureInfo.InvariantCulture), Bf16 ? "bf16" : "fp32",
                                   ChannelsLast ? "channels_last" : "contiguous", Batch.ToString(CultureInfo.InvariantCulture),
                                   Pass, InChannels.ToString(CultureInfo.InvariantCulture), Classes.ToString(CultureInfo.InvariantCulture)];
}

/// <summary>
/// Runs, per configuration, our worker and PyTorch's worker side by side and alternates blocks of
/// steps between them (ours, pytorch, ours, pytorch, ...) so both see the same machine load; reports
/// medians of the per-step times after warm-up and each worker's peak RSS.
/// </summary>
internal static class Driver
{
    private sealed class WorkerProcess : IDisposable
    {
        private readonly Process p;
        public int Pid => p.Id;

        public WorkerProcess(string file, IEnumerable<string> args, IReadOnlyDictionary<string, string>? env = null)
        {
            var psi = new ProcessStartInfo(file) { RedirectStandardInput = true, RedirectStandardOutput = true, UseShellExecute = false };
            foreach (var a in args) psi.ArgumentList.Add(a);
            // Never inherit the caller's tunables: the "default" oracle must really run with glibc's defaults.
            psi.Environment.Remove("GLIBC_TUNABLES");
            if (env != null) foreach (var (k, v) in env) psi.Environment[k] = v;
            p = Process.Start(psi) ?? throw new InvalidOperationException($"could not start {file}");
            Read("ready");
        }

        private JsonElement Read(string key)
        {
            while (true)
            {
                string line = p.StandardOutput.ReadLine()
                    ?? throw new InvalidOperationException($"worker {p.StartInfo.FileName} {string.Join(' ', p.StartInfo.ArgumentList)} exited (code {(p.WaitForExit(5000) ? p.ExitCode : -1)})");
                if (!line.StartsWith('{')) continue;
                var doc = JsonDocument.Parse(line).RootElement;
                if (doc.TryGetProperty(key, out var v)) return v;
            }
        }

        public double[] Run(int steps)
        {
            p.StandardInput.WriteLine($"run {steps}");
            p.StandardInput.Flush();
            return Read("times").EnumerateArray().Select(e => e.GetDouble()).ToArray();
        }

        public long Quit()
        {
            p.StandardInput.WriteLine("quit");
            p.StandardInput.Flush();
            long kb = Read("vmhwm_kb").GetInt64();
            p.WaitForExit(30000);
            return kb;
        }

        public void Dispose()
        {
            if (!p.HasExited) p.Kill();
            p.Dispose();
        }
    }

    private sealed record Row(BenchConfig Cfg, double Ours, double Torch, double TorchTuned, long OursKb, long TorchKb, long TorchTunedKb);

    public static int Run()
    {
        int threads = Env("BENCH_THREADS", 2);
        int batch = Env("BENCH_BATCH", 16);
        int warmup = Env("BENCH_WARMUP", 2);
        int rounds = Env("BENCH_ROUNDS", 3);
        int block = Env("BENCH_STEPS", 2);
        double peak = Env("BENCH_PEAK_GFLOPS", 900);
        var sizes = (Environment.GetEnvironmentVariable("BENCH_SIZES") ?? "224,128").Split(',').Select(int.Parse).ToArray();
        string python = Environment.GetEnvironmentVariable("BENCH_PYTHON") ?? "/usr/bin/python3";
        string pass = Environment.GetEnvironmentVariable("BENCH_PASS") ?? "train";
        if (pass is not ("train" or "infer")) { Console.Error.WriteLine($"BENCH_PASS must be train or infer (got {pass})"); return 2; }
        int inChannels = Env("BENCH_IN_CHANNELS", 3);
        int classes = Env("BENCH_CLASSES", 1000);
        string dir = AppContext.BaseDirectory;
        string self = Path.Combine(dir, "XRayHpc.Bench.Engine.dll");
        string pyWorker = Path.Combine(dir, "pytorch_worker.py");

        string what = pass == "train" ? "training step" : "inference pass (eval, no gradients)";
        Console.WriteLine($"# ResNet-18 {what}, {inChannels}-channel stem, {classes} classes, batch {batch}, {threads} threads; ours vs PyTorch twice (glibc default malloc, and " +
                          $"GLIBC_TUNABLES={RuntimeInfo.EquivalentGlibcTunables}, the settings our shim applies), interleaved " +
                          $"({rounds} rounds x {block} steps each after {warmup} warm-up steps; medians)");
        var rows = new List<Row>();
        foreach (int size in sizes)
        foreach (bool bf16 in new[] { false, true })
        foreach (bool cl in new[] { false, true })
        {
            var cfg = new BenchConfig(size, bf16, cl, batch, pass, inChannels, classes);
            Console.Error.WriteLine($"[bench-engine] {cfg.Name} ...");
            using var ours = new WorkerProcess("dotnet", new[] { self, "worker" }.Concat(cfg.WorkerArgs).Append(threads.ToString(CultureInfo.InvariantCulture)));
            var pyArgs = new[] { pyWorker }.Concat(cfg.WorkerArgs).Append(threads.ToString(CultureInfo.InvariantCulture)).ToArray();
            using var py = new WorkerProcess(python, pyArgs);
            using var pyTuned = new WorkerProcess(python, pyArgs, new Dictionary<string, string> { ["GLIBC_TUNABLES"] = RuntimeInfo.EquivalentGlibcTunables });
            ours.Run(warmup);
            py.Run(warmup);
            pyTuned.Run(warmup);
            var workers = new[] { ours, py, pyTuned };
            var times = workers.Select(_ => new List<double>()).ToArray();
            for (int r = 0; r < rounds; r++)
                for (int k = 0; k < workers.Length; k++)
                {
                    // Rotate who goes first each round so no side always runs right after a cooler (or hotter) block.
                    int i = (r + k) % workers.Length;
                    times[i].AddRange(workers[i].Run(block));
                }
            rows.Add(new Row(cfg, batch / Median(times[0]), batch / Median(times[1]), batch / Median(times[2]), ours.Quit(), py.Quit(), pyTuned.Quit()));
        }

        Console.WriteLine();
        Console.WriteLine("| config | ours img/s | PyTorch img/s (default malloc) | PyTorch img/s (same allocator settings) | ours / PyTorch default | ours / PyTorch same allocator | ours peak RSS MiB | PyTorch peak RSS MiB (default / same allocator) | ours GFLOP/s (% of bf16 conv peak) |");
        Console.WriteLine("|---|---:|---:|---:|---:|---:|---:|---:|---:|");
        foreach (var r in rows)
        {
            double gflop = (pass == "train" ? 10.9 : 10.9 / 3) * Math.Pow(r.Cfg.Size / 224.0, 2) * r.Ours;
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"| {r.Cfg.Name} | {r.Ours:F1} | {r.Torch:F1} | {r.TorchTuned:F1} | {r.Ours / r.Torch:F2} | {r.Ours / r.TorchTuned:F2} | {r.OursKb / 1024} | {r.TorchKb / 1024} / {r.TorchTunedKb / 1024} | {gflop:F0} ({100 * gflop / peak:F0}%) |"));
        }
        return 0;
    }

    private static double Median(List<double> xs)
    {
        var s = xs.OrderBy(v => v).ToArray();
        return s.Length % 2 == 1 ? s[s.Length / 2] : (s[s.Length / 2 - 1] + s[s.Length / 2]) / 2;
    }

    private static int Env(string name, int dflt) =>
        int.TryParse(Environment.GetEnvironmentVariable(name), out var v) && v > 0 ? v : dflt;
}

internal static class ProcStatus
{
    /// <summary>Peak resident set size (VmHWM) of a process in KiB, from /proc/&lt;pid&gt;/status.</summary>
    public static long VmHwmKb(int pid)
    {
        foreach (var line in File.ReadLines($"/proc/{pid}/status"))
            if (line.StartsWith("VmHWM:", StringComparison.Ordinal))
                return long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture);
        return -1;
    }
}
