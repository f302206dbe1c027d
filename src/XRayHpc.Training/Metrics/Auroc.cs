namespace XRayHpc.Training.Metrics;

/// <summary>
/// Exact area under the ROC curve through the Mann–Whitney U statistic: tied scores share their average rank,
/// which is the same as counting a tied positive/negative pair as one half (what sklearn's roc_auc_score gives).
/// </summary>
public static class Auroc
{
    /// <param name="mask">Optional: rows whose mask is 0 are left out (CheXpert's ignored uncertain labels).</param>
    /// <returns>NaN when the (masked) labels hold only one class: AUROC is undefined there.</returns>
    public static double Compute(ReadOnlySpan<float> scores, ReadOnlySpan<float> labels, ReadOnlySpan<float> mask = default)
    {
        if (scores.Length != labels.Length) throw new ArgumentException($"{scores.Length} scores but {labels.Length} labels");
        if (!mask.IsEmpty && mask.Length != labels.Length) throw new ArgumentException($"{mask.Length} mask values but {labels.Length} labels");

        var pairs = new List<(float Score, bool Positive)>(scores.Length);
        for (int i = 0; i < scores.Length; i++)
        {
            if (!mask.IsEmpty && mask[i] == 0) continue;
            if (float.IsNaN(scores[i])) throw new ArgumentException($"score {i} is NaN");
            pairs.Add((scores[i], labels[i] > 0.5f));
        }
        pairs.Sort((a, b) => a.Score.CompareTo(b.Score));

        long positives = 0;
        double positiveRankSum = 0;
        for (int i = 0; i < pairs.Count;)
        {
            int j = i;
            while (j < pairs.Count && pairs[j].Score == pairs[i].Score) j++;
            double averageRank = (i + 1 + j) / 2.0; // ranks i+1..j share their mean
            for (int k = i; k < j; k++)
                if (pairs[k].Positive) { positives++; positiveRankSum += averageRank; }
            i = j;
        }
        long negatives = pairs.Count - positives;
        if (positives == 0 || negatives == 0) return double.NaN;
        double u = positiveRankSum - positives * (positives + 1) / 2.0;
        return u / ((double)positives * negatives);
    }
}
