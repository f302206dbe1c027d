using XRayHpc.Tuning;

namespace XRayHpc.Tuning.Tests;

public class TuningPbtTests
{
    internal static SearchSpace Space() => new(new Dictionary<string, ParamDomain>
    {
        ["lr"] = new LogUniform(1e-4, 1e-1),
        ["momentum"] = new Uniform(0.8, 0.99),
        ["weight_decay"] = new LogUniform(1e-6, 1e-3),
        ["batch_size"] = new Choice(new double[] { 16, 32, 64 }),
    });

    private static PbtTuner Pbt(int population, long seed = 1, double resample = 0.25) =>
        new(new TunerOptions { Kind = TunerKind.Pbt, Quantile = 0.25, ResampleProbability = resample }, Space(), population, seed);

    [Fact]
    public void Initial_population_is_sampled_inside_the_space_and_seeded()
    {
        var a = Pbt(8, seed: 3); var b = Pbt(8, seed: 3); var c = Pbt(8, seed: 4);
        Assert.Equal(a.Current, b.Current);
        Assert.NotEqual(a.Current, c.Current);
        foreach (var hp in a.Current)
            foreach (var (name, domain) in Space().Parameters)
                Assert.True(domain.Contains(hp[name]), $"{name}={hp[name]} outside {domain}");
    }

    [Fact]
    public void Bottom_quantile_copies_a_top_member_and_top_members_continue()
    {
        var pbt = Pbt(8);
        var scores = new[] { 0.5, 0.9, 0.1, 0.7, 0.3, 0.8, 0.2, 0.6 };
        var decisions = pbt.Decide(1, 100, scores.Select((s, i) => new MemberResult(i, s)).ToList());
        // quantile 0.25 of 8 = 2: the two worst (2 and 6) copy from the two best (1 and 5).
        var exploits = decisions.OfType<Exploit>().ToList();
        Assert.Equal(new[] { 2, 6 }, exploits.Select(e => e.Member).OrderBy(m => m));
        Assert.All(exploits, e => Assert.Contains(e.Source, new[] { 1, 5 }));
        Assert.All(decisions.Where(d => d is not Exploit), d => Assert.IsType<Continue>(d));
        Assert.Equal(2, pbt.Lineage.Count);
        Assert.All(exploits, e => Assert.Equal(e.NewHp, pbt.Current[e.Member]));
    }

    [Fact]
    public void Two_members_exploit_every_round()
    {
        var pbt = Pbt(2);
        for (int round = 1; round <= 3; round++)
        {
            var d = pbt.Decide(round, round * 10, new[] { new MemberResult(0, 0.6), new MemberResult(1, 0.7) });
            var e = Assert.IsType<Exploit>(d[0]);
            Assert.Equal(1, e.Source);
            Assert.IsType<Continue>(d[1]);
        }
        Assert.Equal(3, pbt.Lineage.Count);
        Assert.All(pbt.Lineage, l => Assert.Equal("exploit", l.Kind));
    }

    [Fact]
    public void Explored_values_never_leave_the_space_even_after_many_perturbations()
    {
        // Always perturb (no resampling): repeated ×1.2 would otherwise walk lr out of its range.
        var pbt = Pbt(4, seed: 9, resample: 0.0);
        var hp = pbt.Current[0];
        for (int i = 0; i < 500; i++)
        {
            hp = pbt.Explore(hp);
            foreach (var (name, domain) in Space().Parameters)
                Assert.True(domain.Contains(hp[name]), $"step {i}: {name}={hp[name]} outside {domain}");
        }
    }

    [Fact]
    public void Perturbation_moves_by_the_configured_factors_or_to_a_neighbouring_choice()
    {
        var pbt = Pbt(2, seed: 5, resample: 0.0);
        var source = new Hyperparameters(new Dictionary<string, double>
            { ["lr"] = 0.01, ["momentum"] = 0.9, ["weight_decay"] = 1e-4, ["batch_size"] = 32 });
        var seen = new HashSet<double>();
        for (int i = 0; i < 40; i++)
        {
            var hp = pbt.Explore(source);
            Assert.Contains(Math.Round(hp["lr"] / 0.01, 9), new[] { 0.8, 1.2 });
            Assert.Contains(hp["batch_size"], new[] { 16.0, 64.0 });
            seen.Add(hp["batch_size"]);
        }
        Assert.Equal(2, seen.Count);
    }

    [Fact]
    public void Failed_members_are_never_a_source_and_are_always_replaced()
    {
        var pbt = Pbt(4);
        var results = new[]
        {
            new MemberResult(0, double.NaN, Failed: true), // diverged but would rank first by index
            new MemberResult(1, 0.9),
            new MemberResult(2, 0.8),
            new MemberResult(3, 0.1),
        };
        var d = pbt.Decide(1, 10, results);
        var replaced = d.OfType<Exploit>().ToList();
        Assert.Contains(replaced, e => e.Member == 0);
        Assert.DoesNotContain(replaced, e => e.Source == 0);
    }

    [Fact]
    public void All_failed_restarts_with_fresh_samples()
    {
        var pbt = Pbt(2);
        var d = pbt.Decide(1, 10, new[] { new MemberResult(0, double.NaN, true), new MemberResult(1, double.NaN, true) });
        Assert.All(d, x => Assert.IsType<Restart>(x));
    }

    [Fact]
    public void Saved_and_restored_tuner_makes_the_same_decisions_as_an_uninterrupted_one()
    {
        var rng = new Random(11);
        var rounds = Enumerable.Range(0, 12)
            .Select(_ => Enumerable.Range(0, 6).Select(m => new MemberResult(m, rng.NextDouble(), rng.NextDouble() < 0.1)).ToList())
            .ToList();

        var straight = Pbt(6, seed: 21);
        var straightDecisions = rounds.Select((r, i) => straight.Decide(i + 1, i * 5, r)).ToList();

        ITuner resumed = Pbt(6, seed: 21);
        var resumedDecisions = new List<IReadOnlyList<MemberDecision>>();
        for (int i = 0; i < rounds.Count; i++)
        {
            if (i == 5) resumed = Tuners.Restore(TunerState.FromJson(resumed.Save().ToJson())); // "killed" here
            resumedDecisions.Add(resumed.Decide(i + 1, i * 5, rounds[i]));
        }
        for (int i = 0; i < rounds.Count; i++)
            Assert.Equal(straightDecisions[i], resumedDecisions[i]);
        Assert.Equal(straight.Lineage, resumed.Lineage);
        Assert.Equal(straight.Current, resumed.Current);
    }

    [Fact]
    public void Options_are_validated_with_the_key_name()
    {
        var ex = Assert.Throws<ArgumentException>(() => Tuners.Create(new TunerOptions { Kind = TunerKind.None }, Space(), 2, 1));
        Assert.Contains("tuner.kind", ex.Message);
        ex = Assert.Throws<ArgumentException>(() => new TunerOptions { Quantile = 0.7 }.Validate());
        Assert.Contains("tuner.quantile", ex.Message);
    }

    [Fact]
    public void Saved_options_keep_the_checkpointed_json_kind_by_name_and_key_order()
    {
        // A checkpoint's tuner state holds these options: the same keys, order and spelling as before the YAML
        // block was bound to this type, so checkpoints are byte-identical and old ones restore.
        var state = Pbt(4).Save();
        using var doc = System.Text.Json.JsonDocument.Parse(state.ToJson());
        var options = doc.RootElement.GetProperty("options");
        Assert.Equal(["kind", "quantile", "resample_probability", "perturb_factors", "reduction_factor", "grace_rounds", "max_rounds"],
            options.EnumerateObject().Select(p => p.Name).ToArray());
        Assert.Equal("pbt", options.GetProperty("kind").GetString());
        var restored = TunerState.FromJson(state.ToJson());
        Assert.Equal(TunerKind.Pbt, restored.Options.Kind);
        Assert.IsType<PbtTuner>(Tuners.Restore(restored));
    }
}
