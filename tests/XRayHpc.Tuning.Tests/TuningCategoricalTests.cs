using System.Text.Json;
using XRayHpc.Determinism;
using XRayHpc.Tuning;

namespace XRayHpc.Tuning.Tests;

/// <summary>Categorical hyperparameters (optimizer, model): names drawn, restored, perturbed and kept inside the space.</summary>
public class TuningCategoricalTests
{
    static SearchSpace Space() => new(new Dictionary<string, ParamDomain>
    {
        ["lr"] = new LogUniform(1e-4, 1e-1),
        ["model"] = new Categorical(["resnet18", "densenet121"]),
        ["optimizer"] = new Categorical(["sgd", "adam", "adamw"]),
    });

    [Fact]
    public void Sampling_draws_in_name_order_one_draw_per_parameter()
    {
        var hp = Space().Sample(new Xoshiro256(7));
        // The same draws by hand: lr (NextDouble), model (NextInt 2), optimizer (NextInt 3) — names sort after lr.
        var rng = new Xoshiro256(7);
        double lr = new LogUniform(1e-4, 1e-1).Sample(rng);
        string model = new[] { "resnet18", "densenet121" }[rng.NextInt(2)];
        string optimizer = new[] { "sgd", "adam", "adamw" }[rng.NextInt(3)];
        Assert.Equal(lr, hp["lr"]);
        Assert.Equal(model, hp.Names["model"]);
        Assert.Equal(optimizer, hp.Names["optimizer"]);
        Assert.False(hp.Values.ContainsKey("model"));
    }

    [Fact]
    public void A_numeric_only_space_samples_exactly_as_before_names_existed()
    {
        // Pinned draws of the numeric space every earlier run used (seed 5): adding categorical domains changed nothing here.
        var hp = TuningPbtTests.Space().Sample(new Xoshiro256(5));
        var rng = new Xoshiro256(5);
        Assert.Equal(new Choice([16, 32, 64]).Sample(rng), hp["batch_size"]);
        Assert.Equal(new LogUniform(1e-4, 1e-1).Sample(rng), hp["lr"]);
        Assert.Equal(new Uniform(0.8, 0.99).Sample(rng), hp["momentum"]);
        Assert.Equal(new LogUniform(1e-6, 1e-3).Sample(rng), hp["weight_decay"]);
        Assert.Empty(hp.Names);
    }

    [Fact]
    public void Population_covers_the_names_and_is_seeded()
    {
        var a = new RandomTuner(new TunerOptions { Kind = TunerKind.Random }, Space(), 16, 3);
        var b = new RandomTuner(new TunerOptions { Kind = TunerKind.Random }, Space(), 16, 3);
        Assert.Equal(a.Current, b.Current);
        Assert.Equal(["densenet121", "resnet18"], a.Current.Select(h => h.Names["model"]).Distinct().Order());
        Assert.Equal(["adam", "adamw", "sgd"], a.Current.Select(h => h.Names["optimizer"]).Distinct().Order());
    }

    [Fact]
    public void Perturb_steps_to_a_neighbour_in_list_order_and_stays_at_the_ends()
    {
        var c = new Categorical(["sgd", "adam", "adamw", "adam"]);
        Assert.Equal(["sgd", "adam", "adamw"], c.Names); // duplicates dropped, order kept
        Assert.Equal("adamw", c.Perturb("adam", 1.2));
        Assert.Equal("sgd", c.Perturb("adam", 0.8));
        Assert.Equal("sgd", c.Perturb("sgd", 0.8));
        Assert.Equal("adamw", c.Perturb("adamw", 1.2));
        Assert.True(c.Contains("adam"));
        Assert.False(c.Contains("rmsprop"));
        Assert.False(c.Contains(1.0));
        Assert.Throws<ArgumentException>(() => c.Perturb("rmsprop", 1.2));
    }

    [Fact]
    public void Clamp_refuses_a_name_outside_the_list_naming_the_parameter()
    {
        var hp = new Hyperparameters(new Dictionary<string, double> { ["lr"] = 0.01 }, new Dictionary<string, string> { ["optimizer"] = "rmsprop" });
        var ex = Assert.Throws<ArgumentException>(() => Space().Clamp(hp));
        Assert.Contains("'optimizer'", ex.Message);
        Assert.Contains("rmsprop", ex.Message);
        Assert.Contains("sgd, adam, adamw", ex.Message);
    }

    [Fact]
    public void Pbt_explore_keeps_names_inside_the_space_and_resample_one_redraws_them()
    {
        var optimizerOnly = new SearchSpace(new Dictionary<string, ParamDomain>
        {
            ["lr"] = new LogUniform(1e-4, 1e-1), ["optimizer"] = new Categorical(["sgd", "adam", "adamw"]),
        });
        var pbt = new PbtTuner(new TunerOptions { Kind = TunerKind.Pbt, ResampleProbability = 0 }, optimizerOnly, 4, 9);
        var source = new Hyperparameters(new Dictionary<string, double> { ["lr"] = 0.01 }, new Dictionary<string, string> { ["optimizer"] = "adam" });
        var seen = Enumerable.Range(0, 50).Select(_ => pbt.Explore(source).Names["optimizer"]).ToHashSet();
        Assert.Equal(["adamw", "sgd"], seen.Order()); // perturbation only: a neighbour of adam, never adam itself

        var resampling = new PbtTuner(new TunerOptions { Kind = TunerKind.Pbt, ResampleProbability = 1 }, optimizerOnly, 4, 9);
        var drawn = Enumerable.Range(0, 60).Select(_ => resampling.Explore(source).Names["optimizer"]).ToHashSet();
        Assert.Equal(["adam", "adamw", "sgd"], drawn.Order());
    }

    [Fact]
    public void State_with_names_restores_to_the_same_decisions()
    {
        var rng = new Random(5);
        var rounds = Enumerable.Range(0, 10)
            .Select(_ => Enumerable.Range(0, 4).Select(m => new MemberResult(m, rng.NextDouble(), rng.NextDouble() < 0.2)).ToList()).ToList();
        var options = new TunerOptions { Kind = TunerKind.Asha, GraceRounds = 1, MaxRounds = 3, ReductionFactor = 2 };
        var straight = new AshaTuner(options, Space(), 4, 12);
        var straightDecisions = rounds.Select((r, i) => straight.Decide(i + 1, i * 2, r)).ToList();
        ITuner resumed = new AshaTuner(options, Space(), 4, 12);
        for (int i = 0; i < rounds.Count; i++)
        {
            if (i == 4)
            {
                var json = resumed.Save().ToJson();
                Assert.Contains("\"categorical\"", json);
                Assert.Contains("\"names\"", json);
                resumed = Tuners.Restore(TunerState.FromJson(json));
            }
            Assert.Equal(straightDecisions[i], resumed.Decide(i + 1, i * 2, rounds[i]));
        }
        Assert.Equal(straight.Current, resumed.Current);
        Assert.Equal(straight.Lineage, resumed.Lineage);
        Assert.Contains(straight.Lineage, l => l.Kind == "restart" && l.New.Names.ContainsKey("model"));
    }

    [Fact]
    public void Numeric_hyperparameters_serialise_as_before_and_names_only_when_present()
    {
        var options = new JsonSerializerOptions { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower };
        var numeric = new Hyperparameters(new Dictionary<string, double> { ["lr"] = 0.1 / 3 });
        Assert.Equal("{\"values\":{\"lr\":0.03333333333333333}}", JsonSerializer.Serialize(numeric, options));
        var named = new Hyperparameters(new Dictionary<string, double> { ["lr"] = 0.1 / 3 }, new Dictionary<string, string> { ["model"] = "densenet121" });
        var json = JsonSerializer.Serialize(named, options);
        Assert.Equal("{\"values\":{\"lr\":0.03333333333333333},\"names\":{\"model\":\"densenet121\"}}", json);
        Assert.Equal(named, JsonSerializer.Deserialize<Hyperparameters>(json, options));
        Assert.NotEqual(numeric, named);
        Assert.Equal("lr=0.03333, model=densenet121", named.ToString());
    }

    [Fact]
    public void A_key_cannot_be_both_a_number_and_a_name()
    {
        Assert.Throws<ArgumentException>(() => new Hyperparameters(
            new Dictionary<string, double> { ["model"] = 1 }, new Dictionary<string, string> { ["model"] = "resnet18" }));
    }
}
