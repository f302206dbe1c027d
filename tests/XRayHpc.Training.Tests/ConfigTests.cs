using XRayHpc.Training.Config;
using XRayHpc.Tuning;

namespace XRayHpc.Training.Tests;

public class ConfigTests
{
    const string Minimal = "run:\n  dir: runs/t\ndata:\n  cache: cache/t\n";

    static ConfigException Fails(string yaml, params string[] overrides) =>
        Assert.Throws<ConfigException>(() => ConfigLoader.Load(yaml, "experiment.yaml", overrides));

    [Fact]
    public void UnknownKey_NamesLineColumnPathAndSuggestion()
    {
        var e = Fails(Minimal + "optimizer:\n  lr: 0.1\n  momentm: 0.9\n");
        var p = Assert.Single(e.Problems);
        Assert.Equal("experiment.yaml:7:3: optimizer.momentm: unknown key (did you mean momentum?)", p.ToString());
    }

    [Fact]
    public void WrongType_NamesLineAndKey()
    {
        var e = Fails(Minimal + "data2: 1\nschedule:\n  epochs: three\n");
        Assert.Contains(e.Problems, p => p.KeyPath == "data2" && p.Line == 5);
        Assert.Contains(e.Problems, p => p.KeyPath == "schedule.epochs" && p.Line == 7 && p.Column == 11 && p.Reason.Contains("integer"));
    }

    [Fact]
    public void InvalidYaml_IsReportedWithPosition()
    {
        var e = Fails("run:\n  dir: [unclosed\ndata:\n  cache: x\n");
        var p = Assert.Single(e.Problems);
        Assert.StartsWith("experiment.yaml:", p.ToString());
        Assert.True(p.Line >= 2);
        Assert.Contains("invalid YAML", p.Reason);
    }

    [Fact]
    public void BadEnum_SuggestsTheNearestValue()
    {
        var e = Fails(Minimal + "tuner:\n  kind: pbtt\n");
        Assert.Contains("did you mean pbt?", e.Problems[0].Reason);
        Assert.Equal("tuner.kind", e.Problems[0].KeyPath);
    }

    [Fact]
    public void RangeChecks_PointAtTheKey()
    {
        var e = Fails(Minimal + "optimizer:\n  momentum: 1.5\n");
        var p = Assert.Single(e.Problems);
        Assert.Equal(("optimizer.momentum", 6L), (p.KeyPath, p.Line));
    }

    [Fact]
    public void Overrides_AreTypedAndValidatedTheSameWay()
    {
        var c = ConfigLoader.Load(Minimal, "experiment.yaml", ["optimizer.lr=0.5", "tuner.kind=pbt", "tuner.population=2",
            "tuner.search_space.lr.log_uniform=[1e-4, 1e-1]"]);
        Assert.Equal(0.5, c.Optimizer.Lr);
        Assert.Equal(TunerKind.Pbt, c.Tuner.Kind);
        Assert.Equal([1e-4, 1e-1], c.Tuner.SearchSpace["lr"].LogUniform!);

        var e = Fails(Minimal, "optimizer.momentm=0.9", "optimizer.lr=fast");
        Assert.Contains(e.Problems, p => p.Source == "--set optimizer.momentm=0.9" && p.Reason.Contains("did you mean momentum?"));
        Assert.Contains(e.Problems, p => p.Source == "--set optimizer.lr=fast" && p.KeyPath == "optimizer.lr");
        Assert.Throws<ConfigException>(() => ConfigLoader.Load(Minimal, "x", ["noequals"]));
    }

    [Fact]
    public void TunerBlock_BindsOntoTheTuningLibrarysOptions_WithItsDefaultsAndItsValidation()
    {
        // An omitted key means the tuning library's default: the block is that type, not a copy of it.
        var defaults = ConfigLoader.Load(Minimal, "e.yaml").Tuner;
        TunerOptions library = new();
        Assert.Equal((library.Kind, library.Quantile, library.ResampleProbability, library.ReductionFactor, library.GraceRounds, library.MaxRounds),
            (defaults.Kind, defaults.Quantile, defaults.ResampleProbability, defaults.ReductionFactor, defaults.GraceRounds, defaults.MaxRounds));
        Assert.Equal(library.PerturbFactors, defaults.PerturbFactors);

        var c = ConfigLoader.Load(Minimal + "tuner:\n  kind: asha\n  population: 2\n  max_rounds: 6\n  search_space:\n    lr: {uniform: [0.01, 0.1]}\n",
            "e.yaml", ["tuner.perturb_factors=[0.5, 2]", "tuner.reduction_factor=2"]);
        Assert.Equal([0.5, 2.0], c.Tuner.PerturbFactors);
        Assert.Equal((TunerKind.Asha, 6, 2), (c.Tuner.Kind, c.Tuner.MaxRounds, c.Tuner.ReductionFactor));
        Assert.IsType<AshaTuner>(Tuners.Create(c.Tuner, TunerConfig.SpaceOf(c.Tuner), c.Tuner.Population, 1));

        // One validation: the problems the config reports for the block are TunerOptions.Problems(), with the line.
        var e = Fails(Minimal + "tuner:\n  quantile: 0.7\n  grace_rounds: 4\n  max_rounds: 2\n");
        var expected = new TunerOptions { Quantile = 0.7, GraceRounds = 4, MaxRounds = 2 }.Problems().ToList();
        Assert.Equal(2, expected.Count); // quantile out of range; max_rounds below grace_rounds
        Assert.Equal(expected, e.Problems.Select(p => (p.KeyPath, p.Reason)).ToList());
        Assert.Equal(6L, e.Problems[0].Line);
        var o = Fails(Minimal, "tuner.perturb_factors=[0.8, -1]");
        Assert.Equal(("tuner.perturb_factors", "--set tuner.perturb_factors=[0.8, -1]"), (o.Problems[0].KeyPath, o.Problems[0].Source));
    }

    [Fact]
    public void MissingRequiredKey_IsReported()
    {
        var e = Fails("run:\n  dir: runs/t\n");
        Assert.Contains(e.Problems, p => p.KeyPath == "data.cache");
    }

    [Fact]
    public void ResolvedYaml_RoundTripsExactly()
    {
        var c = ConfigLoader.Load(Minimal + "optimizer:\n  lr: 0.1234567890123\ntuner:\n  kind: pbt\n  population: 2\n  search_space:\n    batch_size: {choice: [16, 32]}\n", "e.yaml");
        var yaml = ConfigLoader.ToYaml(c);
        var again = ConfigLoader.Load(yaml, "config.resolved.yaml");
        Assert.Equal(yaml, ConfigLoader.ToYaml(again));
        Assert.Equal(0.1234567890123, again.Optimizer.Lr);
        Assert.Equal([16.0, 32.0], again.Tuner.SearchSpace["batch_size"].Choice!);
    }

    [Fact]
    public void ShippedExperiments_AreValid()
    {
        var dir = Path.Combine(RepoRoot(), "jobs", "experiments");
        var files = Directory.GetFiles(dir, "*.yaml");
        Assert.True(files.Length >= 4, $"expected the example experiments in {dir}");
        foreach (var f in files) ConfigLoader.LoadFile(f);
    }

    internal static string RepoRoot()
    {
        var d = new DirectoryInfo(AppContext.BaseDirectory);
        var env = Environment.GetEnvironmentVariable("XRAYHPC_ROOT"); if (!string.IsNullOrEmpty(env) && File.Exists(Path.Combine(env, "XRayHpc.sln"))) return env;
        while (d != null && !File.Exists(Path.Combine(d.FullName, "XRayHpc.sln"))) d = d.Parent;
        return d?.FullName ?? throw new DirectoryNotFoundException("repository root (XRayHpc.sln) not found above " + AppContext.BaseDirectory);
    }
}
