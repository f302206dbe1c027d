using XRayHpc.Training.Metrics;

namespace XRayHpc.Training.Tests;

public class MetricsAurocTests
{
    /// <summary>Independent definition: the share of (positive, negative) pairs ranked right, ties counting ½.</summary>
    private static double PairCount(float[] s, float[] y, float[]? m = null)
    {
        double good = 0; long pairs = 0;
        for (int i = 0; i < s.Length; i++)
            for (int j = 0; j < s.Length; j++)
            {
                if (m is not null && (m[i] == 0 || m[j] == 0)) continue;
                if (y[i] <= 0.5f || y[j] > 0.5f) continue;
                pairs++;
                good += s[i] > s[j] ? 1 : s[i] == s[j] ? 0.5 : 0;
            }
        return pairs == 0 ? double.NaN : good / pairs;
    }

    [Fact]
    public void Matches_pair_counting_on_random_data_with_many_ties()
    {
        var rng = new Random(7);
        for (int trial = 0; trial < 50; trial++)
        {
            int n = rng.Next(2, 200);
            // Scores on a coarse grid force ties between positives and negatives.
            var s = Enumerable.Range(0, n).Select(_ => (float)(rng.Next(0, 8) / 8.0)).ToArray();
            var y = Enumerable.Range(0, n).Select(_ => rng.NextDouble() < 0.3 ? 1f : 0f).ToArray();
            var m = Enumerable.Range(0, n).Select(_ => rng.NextDouble() < 0.9 ? 1f : 0f).ToArray();
            double expected = PairCount(s, y, m), actual = Auroc.Compute(s, y, m);
            if (double.IsNaN(expected)) Assert.True(double.IsNaN(actual));
            else Assert.Equal(expected, actual, 12);
        }
    }

    [Fact]
    public void Known_values()
    {
        Assert.Equal(1.0, Auroc.Compute(new[] { 0.1f, 0.9f }, new[] { 0f, 1f }));
        Assert.Equal(0.0, Auroc.Compute(new[] { 0.9f, 0.1f }, new[] { 0f, 1f }));
        Assert.Equal(0.5, Auroc.Compute(new[] { 0.3f, 0.3f, 0.3f, 0.3f }, new[] { 0f, 1f, 0f, 1f }));
        // sklearn.metrics.roc_auc_score([0,0,1,1],[0.1,0.4,0.35,0.8]) == 0.75
        Assert.Equal(0.75, Auroc.Compute(new[] { 0.1f, 0.4f, 0.35f, 0.8f }, new[] { 0f, 0f, 1f, 1f }), 12);
    }

    [Fact]
    public void One_class_only_is_undefined_and_masked_rows_are_left_out()
    {
        Assert.True(double.IsNaN(Auroc.Compute(new[] { 0.2f, 0.7f }, new[] { 1f, 1f })));
        // Masking out the only misranked pair makes the ranking perfect.
        Assert.Equal(1.0, Auroc.Compute(new[] { 0.9f, 0.1f, 0.95f, 0.2f }, new[] { 0f, 0f, 1f, 1f }, new[] { 0f, 1f, 1f, 1f }));
    }
}
