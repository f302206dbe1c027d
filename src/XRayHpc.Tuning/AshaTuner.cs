namespace XRayHpc.Tuning;

/// <summary>
/// Asynchronous successive halving (Li et al. 2018) over a fixed set of member slots: a trial reaching a rung
/// (grace·η^k rounds) goes on only if its score is in the top 1/η of all scores recorded at that rung so far;
/// a stopped or completed trial frees its slot for a new random configuration, so compute stays equal to PBT's.
/// </summary>
public sealed class AshaTuner : TunerBase
{
    public AshaTuner(TunerOptions options, SearchSpace space, int population, long seed) : base(options, space, population, seed) { }
    internal AshaTuner(TunerState state) : base(state) { }

    public override string Kind => "asha";

    /// <summary>Rung milestones in rounds-in-trial: grace, grace·η, grace·η², … below max_rounds.</summary>
    public IReadOnlyList<int> Milestones
    {
        get
        {
            var m = new List<int>();
            for (long r = Options.GraceRounds; r < Options.MaxRounds; r *= Options.ReductionFactor) m.Add((int)r);
            return m;
        }
    }

    protected override IReadOnlyList<MemberDecision> DecideCore(int round, long step, IReadOnlyList<MemberResult> results)
    {
        var milestones = Milestones;
        var decisions = new MemberDecision[Population];
        foreach (var r in results)
        {
            int m = r.Member;
            if (Stopped[m]) { decisions[m] = new Stop(m); continue; }
            int rounds = RoundsInTrial[m];
            if (r.Failed || double.IsNaN(r.Score) || rounds >= Options.MaxRounds)
            {
                decisions[m] = NewTrial(m, round, step);
                continue;
            }
            if (milestones.Contains(rounds))
            {
                var recorded = Rungs.TryGetValue(rounds, out var list) ? list : Rungs[rounds] = new List<double>();
                bool promoted = IsInTopFraction(r.Score, recorded);
                recorded.Add(r.Score);
                decisions[m] = promoted ? new Continue(m) : NewTrial(m, round, step);
                continue;
            }
            decisions[m] = new Continue(m);
        }
        return decisions;
    }

    /// <summary>
    /// True while fewer than η scores are recorded (nothing to compare against yet), else when the score is at
    /// least the (1 − 1/η) quantile of the rung's recorded scores.
    /// </summary>
    private bool IsInTopFraction(double score, List<double> recorded)
    {
        int eta = Options.ReductionFactor;
        if (recorded.Count < eta - 1) return true;
        var all = recorded.Append(score).OrderByDescending(s => s).ToList();
        int keep = Math.Max(1, all.Count / eta);
        return score >= all[keep - 1];
    }
}
