namespace XRayHpc.Tuning;

/// <summary>
/// Population-based training (Jaderberg et al. 2017) with truncation selection: at each ready point the bottom
/// quantile copies a random top-quantile member (exploit) and perturbs or resamples its hyperparameters
/// (explore). Failed members always rank last and are never a source.
/// </summary>
public sealed class PbtTuner : TunerBase
{
    public PbtTuner(TunerOptions options, SearchSpace space, int population, long seed) : base(options, space, population, seed) { }
    internal PbtTuner(TunerState state) : base(state) { }

    public override string Kind => "pbt";

    protected override IReadOnlyList<MemberDecision> DecideCore(int round, long step, IReadOnlyList<MemberResult> results)
    {
        var decisions = results.Select(r => (MemberDecision)new Continue(r.Member)).ToArray();
        if (Population < 2) return decisions;

        // Ties go to the lower member index so the ranking (and every draw after it) is deterministic.
        var ranked = results.OrderByDescending(r => r.RankScore).ThenBy(r => r.Member).ToList();
        int k = Math.Min((int)Math.Ceiling(Population * Options.Quantile), Population / 2);
        var top = ranked.Take(k).Where(r => !double.IsNegativeInfinity(r.RankScore)).ToList();
        var bottom = ranked.Skip(Population - k).ToList();
        // A failed member outside the bottom quantile must still be replaced: it can never recover on its own.
        bottom.AddRange(ranked.Take(Population - k).Where(r => double.IsNegativeInfinity(r.RankScore) && !top.Contains(r)));

        foreach (var loser in bottom.OrderBy(r => r.Member))
        {
            if (top.Count == 0)
            {
                decisions[loser.Member] = NewTrial(loser.Member, round, step);
                continue;
            }
            var source = top[Rng.NextInt(top.Count)].Member;
            var old = CurrentHp[loser.Member];
            var hp = Explore(CurrentHp[source]);
            CurrentHp[loser.Member] = hp;
            decisions[loser.Member] = new Exploit(loser.Member, source, hp,
                new LineageRecord(round, step, loser.Member, source, "exploit", old, hp));
        }
        return decisions;
    }

    /// <summary>Perturbs (×factor; a name steps to a neighbour, <see cref="Categorical.Perturb"/>) or, with the
    /// resample probability, redraws each value; always inside the space. The draws per parameter are the same
    /// for numbers and names, in name order.</summary>
    public Hyperparameters Explore(Hyperparameters source)
    {
        var values = new Dictionary<string, double>(source.Values);
        var names = new Dictionary<string, string>(source.Names);
        foreach (var (name, domain) in Space.Parameters)
        {
            switch (domain)
            {
                case NumericDomain d:
                {
                    bool resample = !values.ContainsKey(name) || Rng.NextDouble() < Options.ResampleProbability;
                    values[name] = resample
                        ? d.Sample(Rng)
                        : d.Perturb(values[name], Options.PerturbFactors[Rng.NextInt(Options.PerturbFactors.Count)], Rng);
                    break;
                }
                case Categorical c:
                {
                    bool resample = !names.ContainsKey(name) || Rng.NextDouble() < Options.ResampleProbability;
                    names[name] = resample
                        ? c.Sample(Rng)
                        : c.Perturb(names[name], Options.PerturbFactors[Rng.NextInt(Options.PerturbFactors.Count)]);
                    break;
                }
            }
        }
        return Space.Clamp(new Hyperparameters(values, names));
    }
}
