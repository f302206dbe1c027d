using XRayHpc.Report;

namespace XRayHpc.Hpc.Tests;

public sealed class RocTests
{
    [Fact]
    public void Auroc_equals_the_pairwise_probability_with_ties_counted_half()
    {
        // Property: trapezoidal AUC over the tie-grouped curve == Mann-Whitney U / (P*N) for random integer scores (many ties).
        var rng = new Random(7);
        for (int trial = 0; trial < 200; trial++)
        {
            int n = rng.Next(2, 40);
            var items = Enumerable.Range(0, n).Select(_ => ((double)rng.Next(0, 6), rng.Next(2) == 1)).ToList();
            if (items.All(i => i.Item2) || items.All(i => !i.Item2)) { Assert.True(double.IsNaN(Roc.Auc(Roc.Curve(items)))); continue; }
            double pairs = 0, wins = 0;
            foreach (var p in items.Where(i => i.Item2))
                foreach (var q in items.Where(i => !i.Item2))
                {
                    pairs++;
                    wins += p.Item1 > q.Item1 ? 1 : p.Item1 == q.Item1 ? 0.5 : 0;
                }
            Assert.Equal(wins / pairs, Roc.Auc(Roc.Curve(items)), 12);
        }
    }

    [Fact]
    public void Curve_runs_from_origin_to_one_one_and_is_monotone()
    {
        var curve = Roc.Curve([(0.9, true), (0.8, false), (0.7, true), (0.7, false), (0.1, false)]);
        Assert.Equal((0.0, 0.0), curve[0]);
        Assert.Equal((1.0, 1.0), curve[^1]);
        for (int i = 1; i < curve.Count; i++) Assert.True(curve[i].Fpr >= curve[i - 1].Fpr && curve[i].Tpr >= curve[i - 1].Tpr);
        // The tied pair (0.7, pos) and (0.7, neg) is one point, not two.
        Assert.Equal(5, curve.Count);
    }
}
