using System.Text.Json;
using XRayHpc.Torch;
using XRayHpc.Torch.nn;
using XRayHpc.Torch.optim;

namespace XRayHpc.Torch.Tests;

/// <summary>
/// SGD / Adam / AdamW against torch.optim (oracle/optim_trace.py): same initial parameters and
/// gradients, hyperparameters changed between steps like PBT; parameters must be bit-identical after
/// every step, and an export/import of the optimizer state mid-run must resume bit-exactly.
/// </summary>
public class OptimOracleTests
{
    private const int Steps = 6;
    private static readonly long[][] Shapes = [[4, 3, 3, 3], [4], [7, 5], [5]];

    public static TheoryData<string, string> Configs => new()
    {
        { "sgd-plain", """{"opt":"sgd","kwargs":{"lr":0.1},"steps":6,"seed":11}""" },
        { "sgd-momentum-dampening", """{"opt":"sgd","kwargs":{"lr":0.05,"momentum":0.9,"dampening":0.1,"weight_decay":0.001},"steps":6,"seed":12,"changes":{"3":{"lr":0.02,"momentum":0.5}}}""" },
        { "sgd-nesterov-pbt", """{"opt":"sgd","kwargs":{"lr":0.1,"momentum":0.9,"nesterov":true,"weight_decay":0.01},"steps":6,"seed":13,"changes":{"2":{"lr":0.03,"weight_decay":0.0005},"4":{"momentum":0.8}}}""" },
        { "adam", """{"opt":"adam","kwargs":{"lr":0.01,"betas":[0.9,0.999],"eps":1e-8,"weight_decay":0.01},"steps":6,"seed":14,"changes":{"3":{"lr":0.003}}}""" },
        { "adamw-pbt", """{"opt":"adamw","kwargs":{"lr":0.01,"betas":[0.85,0.99],"eps":1e-6,"weight_decay":0.05},"steps":6,"seed":15,"changes":{"2":{"lr":0.02,"weight_decay":0.1,"betas":[0.9,0.995]}}}""" },
    };

    private static Optimizer Make(string opt, JsonElement kw, List<Parameter> ps)
    {
        double D(string k, double d) => kw.TryGetProperty(k, out var v) ? v.GetDouble() : d;
        (double, double) betas = kw.TryGetProperty("betas", out var b) ? (b[0].GetDouble(), b[1].GetDouble()) : (0.9, 0.999);
        return opt switch
        {
            "sgd" => new SGD(ps, D("lr", 0), D("momentum", 0), D("dampening", 0), D("weight_decay", 0),
                             kw.TryGetProperty("nesterov", out var n) && n.GetBoolean()),
            "adam" => new Adam(ps, D("lr", 1e-3), betas, D("eps", 1e-8), D("weight_decay", 0)),
            _ => new AdamW(ps, D("lr", 1e-3), betas, D("eps", 1e-8), D("weight_decay", 1e-2)),
        };
    }

    private static void ApplyChanges(JsonElement cfg, int step, Optimizer opt)
    {
        if (!cfg.TryGetProperty("changes", out var ch) || !ch.TryGetProperty(step.ToString(), out var c)) return;
        var g = opt.ParamGroups[0];
        foreach (var kv in c.EnumerateObject())
            switch (kv.Name)
            {
                case "lr": g.LearningRate = kv.Value.GetDouble(); break;
                case "momentum": g.Momentum = kv.Value.GetDouble(); break;
                case "weight_decay": g.WeightDecay = kv.Value.GetDouble(); break;
                case "betas": g.Betas = (kv.Value[0].GetDouble(), kv.Value[1].GetDouble()); break;
                default: throw new InvalidOperationException(kv.Name);
            }
    }

    private static void SetGrads(Dictionary<string, Tensor> o, int step, List<Parameter> ps)
    {
        for (int i = 0; i < ps.Count; i++)
        {
            using var g = o[$"grad.{step}.{i}"].clone();
            ps[i].grad = g;
        }
    }

    [Theory]
    [MemberData(nameof(Configs))]
    public void Matches_torch_optim_bit_for_bit_and_resumes_exactly(string name, string json)
    {
        var dir = ModelOracle.TempDir("optim-" + name);
        var file = Path.Combine(dir, "trace.safetensors");
        ModelOracle.Run("optim_trace.py", file, json);
        var o = ModelOracle.Load(file);
        using var cfgDoc = JsonDocument.Parse(json);
        var cfg = cfgDoc.RootElement;
        string opt = cfg.GetProperty("opt").GetString()!;
        try
        {
            var ps = Enumerable.Range(0, Shapes.Length).Select(i => new Parameter(o[$"init.{i}"].clone())).ToList();
            var resumeAt = Steps / 2;
            Dictionary<string, Tensor>? savedState = null;
            Dictionary<string, double>? savedHp = null;
            List<Tensor>? savedParams = null;
            using (var optimizer = Make(opt, cfg.GetProperty("kwargs"), ps))
            {
                for (int s = 0; s < Steps; s++)
                {
                    using var scope = torch.NewDisposeScope();
                    if (s == resumeAt)
                    {
                        savedState = optimizer.state_tensors();
                        savedHp = optimizer.hyperparameters();
                        savedParams = ps.Select(p => p.detach().clone().DetachFromDisposeScope()).ToList();
                        foreach (var t in savedState.Values) t.DetachFromDisposeScope();
                    }
                    ApplyChanges(cfg, s, optimizer);
                    SetGrads(o, s, ps);
                    optimizer.step();
                    for (int i = 0; i < ps.Count; i++)
                        Assert.True(ModelOracle.BitEqual(ps[i], o[$"param.{s}.{i}"]),
                            $"{name}: parameter {i} after step {s} differs from torch.optim (rel err {ModelOracle.RelativeError(ps[i], o[$"param.{s}.{i}"]):E2})");
                }
                // Final state matches torch's optimizer.state (same keys, same values).
                var final = optimizer.state_tensors();
                foreach (var (k, v) in o.Where(kv => kv.Key.StartsWith("state.")))
                {
                    Assert.True(final.ContainsKey(k), $"{name}: state has no {k}; has {string.Join(",", final.Keys)}");
                    using var expected = v.to(final[k].dtype);
                    Assert.True(ModelOracle.BitEqual(final[k].reshape(v.shape), expected), $"{name}: state {k} differs");
                }
                Assert.Equal(o.Keys.Count(k => k.StartsWith("state.")), final.Count);
                foreach (var t in final.Values) t.Dispose();
            }

            // Resume: fresh parameters from the snapshot, a fresh optimizer with the imported state.
            var ps2 = savedParams!.Select(t => new Parameter(t)).ToList();
            using var resumed = Make(opt, cfg.GetProperty("kwargs"), ps2);
            resumed.load_hyperparameters(savedHp!);
            resumed.load_state_tensors(savedState!);
            for (int s = resumeAt; s < Steps; s++)
            {
                using var scope = torch.NewDisposeScope();
                ApplyChanges(cfg, s, resumed);
                SetGrads(o, s, ps2);
                resumed.step();
                for (int i = 0; i < ps2.Count; i++)
                    Assert.True(ModelOracle.BitEqual(ps2[i], o[$"param.{s}.{i}"]), $"{name}: resumed parameter {i} differs after step {s}");
            }
            foreach (var t in savedState!.Values) t.Dispose();
            foreach (var p in ps.Concat(ps2)) p.Dispose();
        }
        finally
        {
            ModelOracle.DisposeAll(o);
            Directory.Delete(dir, true);
        }
    }

    [Fact]
    public void Sgd_rejects_nesterov_without_momentum_and_bad_state_shapes()
    {
        using var p = new Parameter(torch.zeros([3]));
        Assert.Throws<ArgumentException>(() => new SGD([p], lr: 0.1, nesterov: true));
        using var opt = new SGD([p], lr: 0.1, momentum: 0.9);
        using var bad = torch.zeros([4]);
        var ex = Assert.Throws<ArgumentException>(() => opt.load_state_tensors(new Dictionary<string, Tensor> { ["state.0.momentum_buffer"] = bad }));
        Assert.Contains("state.0.momentum_buffer", ex.Message);
    }

    [Fact]
    public void Zero_grad_zeroes_in_place_or_sets_none()
    {
        using var p = new Parameter(torch.ones([3]));
        using var opt = new SGD([p], lr: 0.1);
        using (var g = torch.full([3], 2.0)) p.grad = g;
        opt.zero_grad(set_to_none: false);
        using (var g = p.grad!) Assert.Equal(new float[] { 0, 0, 0 }, g.ToArray<float>());
        opt.zero_grad();
        Assert.Null(p.grad);
    }
}
