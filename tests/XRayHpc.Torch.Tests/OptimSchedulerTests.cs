using System.Text.Json;
using XRayHpc.Torch;
using XRayHpc.Torch.nn;
using XRayHpc.Torch.optim;
using XRayHpc.Torch.optim.lr_scheduler;

namespace XRayHpc.Torch.Tests;

/// <summary>
/// LR schedulers against torch.optim.lr_scheduler (oracle/sched_trace.py): the LR (and momentum/beta1
/// for OneCycle) after every step, and a state_dict round trip mid-schedule continuing identically.
/// </summary>
public class OptimSchedulerTests
{
    private sealed record Sched(Func<Optimizer, object> Make, Action<object, int> Step,
                                Func<object, Dictionary<string, double>> Save, Action<object, Dictionary<string, double>> Load);

    private static readonly double[] PlateauMetrics = [1.0, 0.9, 0.95, 0.93, 0.92, 0.91, 0.905, 0.9, 0.8, 0.81, 0.82, 0.83, 0.84, 0.85, 0.7, 0.71];

    private static Sched For(string kind) => kind switch
    {
        "step" => Plain(o => new StepLR(o, step_size: 3, gamma: 0.5)),
        "cosine" => Plain(o => new CosineAnnealingLR(o, T_max: 7, eta_min: 0.001)),
        "onecycle" => Plain(o => new OneCycleLR(o, max_lr: 1.0, total_steps: 17)),
        "onecycle_linear" => Plain(o => new OneCycleLR(o, max_lr: 0.5, total_steps: 17, pct_start: 0.25, anneal_strategy: AnnealStrategy.Linear)),
        "warmup_cosine" => new Sched(o => LinearWarmup.Create(o, warmup_steps: 4, start_factor: 0.1, opt => new CosineAnnealingLR(opt, T_max: 12)),
            (s, _) => ((LinearWarmup)s).step(), s => ((LinearWarmup)s).state_dict(), (s, d) => ((LinearWarmup)s).load_state_dict(d)),
        "warmup_step" => new Sched(o => LinearWarmup.Create(o, warmup_steps: 5, start_factor: 0.2, opt => new StepLR(opt, step_size: 4, gamma: 0.3)),
            (s, _) => ((LinearWarmup)s).step(), s => ((LinearWarmup)s).state_dict(), (s, d) => ((LinearWarmup)s).load_state_dict(d)),
        "plateau" => new Sched(o => new ReduceLROnPlateau(o, factor: 0.5, patience: 2, cooldown: 1, min_lr: 0.01),
            (s, i) => ((ReduceLROnPlateau)s).step(PlateauMetrics[i]), s => ((ReduceLROnPlateau)s).state_dict(),
            (s, d) => ((ReduceLROnPlateau)s).load_state_dict(d)),
        _ => throw new ArgumentException(kind),
    };

    private static Sched Plain(Func<Optimizer, LRScheduler> make) =>
        new(o => make(o), (s, _) => ((LRScheduler)s).step(), s => ((LRScheduler)s).state_dict(), (s, d) => ((LRScheduler)s).load_state_dict(d));

    public static TheoryData<string, string, string> Cases => new()
    {
        { "step", "sgd", """{"step_size":3,"gamma":0.5}""" },
        { "cosine", "sgd", """{"T_max":7,"eta_min":0.001}""" },
        { "onecycle", "sgd", """{"max_lr":1.0,"total_steps":17}""" },
        { "onecycle", "adam", """{"max_lr":1.0,"total_steps":17}""" },
        { "onecycle_linear", "sgd", """{"max_lr":0.5,"total_steps":17,"pct_start":0.25,"anneal_strategy":"linear"}""" },
        { "warmup_cosine", "sgd", """{"start_factor":0.1,"warmup":4,"T_max":12}""" },
        { "warmup_step", "adam", """{"start_factor":0.2,"warmup":5,"step_size":4,"gamma":0.3}""" },
        { "plateau", "sgd", """{"factor":0.5,"patience":2,"cooldown":1,"min_lr":0.01}""" },
    };

    private const int Steps = 16;
    private const double Lr = 0.1;

    private static string OracleJson(string kind, string opt, string args) =>
        $$"""{"kind":"{{(kind == "onecycle_linear" ? "onecycle" : kind)}}","opt":"{{opt}}","lr":{{Lr}},"steps":{{Steps}},"args":{{args}},"metrics":[{{string.Join(",", PlateauMetrics)}}]}""";

    // One Python start for all cases (importing torch dominates the oracle's cost).
    private static readonly Lazy<Dictionary<string, double[][]>> Oracle = new(() =>
    {
        var cases = Cases.Select(row => ((string)row[0], (string)row[1], (string)row[2])).ToList();
        string json = "[" + string.Join(",", cases.Select(c => OracleJson(c.Item1, c.Item2, c.Item3))) + "]";
        var traces = JsonSerializer.Deserialize<double[][][]>(ModelOracle.Run("sched_trace.py", json))!;
        return cases.Select((c, i) => (c, i)).ToDictionary(x => OracleJson(x.c.Item1, x.c.Item2, x.c.Item3), x => traces[x.i]);
    });

    [Theory]
    [MemberData(nameof(Cases))]
    public void Matches_torch_lr_scheduler_and_resumes_from_state(string kind, string opt, string args)
    {
        const int steps = Steps;
        const double lr = Lr;
        var expected = Oracle.Value[OracleJson(kind, opt, args)];
        Assert.Equal(steps + 1, expected.Length);

        var sched = For(kind);
        using var p = new Parameter(torch.zeros([1]));
        Optimizer MakeOpt(Parameter q) => opt == "sgd" ? new SGD([q], lr: lr, momentum: 0.9) : new Adam([q], lr: lr);
        double Mom(Optimizer o) => o is SGD ? o.ParamGroups[0].Momentum : o.ParamGroups[0].Betas.Item1;

        using var o1 = MakeOpt(p);
        var s1 = sched.Make(o1);
        Dictionary<string, double>? savedSched = null, savedOpt = null;
        const int resumeAt = 7;
        for (int i = 0; i <= steps; i++)
        {
            if (i > 0) sched.Step(s1, i - 1);
            Assert.True(Math.Abs(o1.ParamGroups[0].LearningRate - expected[i][0]) <= 1e-15 * Math.Abs(expected[i][0]) + 1e-18,
                $"{kind}/{opt}: lr after {i} steps is {o1.ParamGroups[0].LearningRate:R}, torch has {expected[i][0]:R}");
            Assert.True(Math.Abs(Mom(o1) - expected[i][1]) <= 1e-15, $"{kind}/{opt}: momentum after {i} steps is {Mom(o1):R}, torch has {expected[i][1]:R}");
            if (i == resumeAt) { savedSched = sched.Save(s1); savedOpt = o1.hyperparameters(); }
        }

        // Resume: a fresh optimizer + scheduler loaded from the mid-run state continue the same values.
        using var q = new Parameter(torch.zeros([1]));
        using var o2 = MakeOpt(q);
        var s2 = sched.Make(o2);
        o2.load_hyperparameters(savedOpt!);
        sched.Load(s2, savedSched!);
        for (int i = resumeAt + 1; i <= steps; i++)
        {
            sched.Step(s2, i - 1);
            Assert.True(Math.Abs(o2.ParamGroups[0].LearningRate - expected[i][0]) <= 1e-15 * Math.Abs(expected[i][0]) + 1e-18,
                $"{kind}/{opt}: resumed lr after {i} steps is {o2.ParamGroups[0].LearningRate:R}, torch has {expected[i][0]:R}");
        }
    }

    [Fact]
    public void OneCycle_refuses_to_step_past_total_steps()
    {
        using var p = new Parameter(torch.zeros([1]));
        using var o = new SGD([p], lr: 0.1, momentum: 0.9);
        var s = new OneCycleLR(o, max_lr: 1, total_steps: 3);
        s.step(); s.step(); s.step();
        Assert.Throws<InvalidOperationException>(() => s.step());
    }
}
