using XRayHpc.Determinism;
using XRayHpc.Tuning;

namespace XRayHpc.Tuning.Tests;

public class TuningAshaRandomTests
{
    private static AshaTuner Asha(int population, long seed = 1) =>
        new(new TunerOptions { Kind = TunerKind.Asha, ReductionFactor = 2, GraceRounds = 1, MaxRounds = 4 }, TuningPbtTests.Space(), population, seed);

    [Fact]
    public void Milestones_grow_geometrically_below_max_rounds()
    {
        Assert.Equal(new[] { 1, 2 }, Asha(2).Milestones);
        var eta3 = new AshaTuner(new TunerOptions { Kind = TunerKind.Asha, ReductionFactor = 3, GraceRounds = 1, MaxRounds = 30 }, TuningPbtTests.Space(), 2, 1);
        Assert.Equal(new[] { 1, 3, 9, 27 }, eta3.Milestones);
    }

    [Fact]
    public void Weak_trials_are_stopped_at_a_rung_and_their_slot_restarts()
    {
        var asha = Asha(2);
        // Round 1 (rung 1): the first score recorded passes; with η=2 the second must be in the top half.
        var d1 = asha.Decide(1, 10, new[] { new MemberResult(0, 0.9), new MemberResult(1, 0.2) });
        Assert.IsType<Continue>(d1[0]);
        var restart = Assert.IsType<Restart>(d1[1]);
        Assert.Equal("restart", restart.Record.Kind);
        Assert.NotEqual(restart.Record.Old, restart.NewHp);
        Assert.Equal(restart.NewHp, asha.Current[1]);
    }

    [Fact]
    public void Completed_trials_start_new_ones_and_state_round_trips()
    {
        var asha = Asha(2, seed: 4);
        var copy = Tuners.Restore(TunerState.FromJson(asha.Save().ToJson()));
        int restarts = 0;
        for (int round = 1; round <= 8; round++)
        {
            var results = new[] { new MemberResult(0, 0.5 + round * 0.01), new MemberResult(1, 0.5 + round * 0.01) };
            var a = asha.Decide(round, round, results);
            var b = copy.Decide(round, round, results);
            Assert.Equal(a, b);
            restarts += a.OfType<Restart>().Count();
        }
        // Rising, equal scores pass every rung; each trial still ends at max_rounds (4) and is replaced.
        Assert.True(restarts >= 2, $"expected completed trials to restart, saw {restarts}");
    }

    [Fact]
    public void Random_search_keeps_configurations_and_restarts_only_failures()
    {
        var t = Tuners.Create(new TunerOptions { Kind = TunerKind.Random }, TuningPbtTests.Space(), 3, 8);
        var before = t.Current.ToList();
        var d = t.Decide(1, 5, new[] { new MemberResult(0, 0.7), new MemberResult(1, double.NaN, true), new MemberResult(2, 0.6) });
        Assert.IsType<Continue>(d[0]);
        Assert.IsType<Restart>(d[1]);
        Assert.IsType<Continue>(d[2]);
        Assert.Equal(before[0], t.Current[0]);
        Assert.NotEqual(before[1], t.Current[1]);
    }

    [Fact]
    public void Choice_snaps_to_allowed_values()
    {
        var c = new Choice(new double[] { 64, 16, 32 });
        Assert.Equal(new double[] { 16, 32, 64 }, c.Values);
        Assert.Equal(32, c.Clamp(30));
        Assert.Equal(64, c.Clamp(1000));
        Assert.Equal(16, c.Perturb(32, 0.8, new Xoshiro256(1)));
        Assert.Equal(64, c.Perturb(64, 1.2, new Xoshiro256(1)));
    }

    [Fact]
    public void Rng_state_restores_the_same_stream()
    {
        var a = new Xoshiro256(42);
        for (int i = 0; i < 10; i++) a.NextULong();
        var b = Xoshiro256.FromState(a.State);
        for (int i = 0; i < 100; i++) Assert.Equal(a.NextDouble(), b.NextDouble());
        Assert.Throws<ArgumentOutOfRangeException>(() => a.NextInt(0));
    }
}
