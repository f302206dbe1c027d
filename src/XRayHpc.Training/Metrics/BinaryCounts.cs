namespace XRayHpc.Training.Metrics;

/// <summary>Confusion counts of one class; ratios with an empty denominator are 0 (sklearn's zero_division=0).</summary>
public readonly record struct BinaryCounts(long TruePositives, long FalsePositives, long TrueNegatives, long FalseNegatives)
{
    public long Total => TruePositives + FalsePositives + TrueNegatives + FalseNegatives;
    public double Accuracy => Ratio(TruePositives + TrueNegatives, Total);
    public double Precision => Ratio(TruePositives, TruePositives + FalsePositives);
    public double Recall => Ratio(TruePositives, TruePositives + FalseNegatives);
    public double Specificity => Ratio(TrueNegatives, TrueNegatives + FalsePositives);
    public double F1 => Ratio(2 * TruePositives, 2 * TruePositives + FalsePositives + FalseNegatives);

    private static double Ratio(long a, long b) => b == 0 ? 0 : (double)a / b;

    /// <summary>Counts of one class at a threshold: predicted positive when score ≥ threshold.</summary>
    public static BinaryCounts At(ReadOnlySpan<float> scores, ReadOnlySpan<float> labels, ReadOnlySpan<float> mask, double threshold)
    {
        long tp = 0, fp = 0, tn = 0, fn = 0;
        for (int i = 0; i < scores.Length; i++)
        {
            if (!mask.IsEmpty && mask[i] == 0) continue;
            bool predicted = scores[i] >= threshold, actual = labels[i] > 0.5f;
            if (predicted && actual) tp++;
            else if (predicted) fp++;
            else if (actual) fn++;
            else tn++;
        }
        return new BinaryCounts(tp, fp, tn, fn);
    }

    /// <summary>
    /// The threshold maximising Youden's J (recall + specificity − 1) over the distinct scores; ties go to the
    /// higher threshold (fewer false alarms). 0.5 when the labels hold one class only.
    /// </summary>
    public static double YoudenThreshold(ReadOnlySpan<float> scores, ReadOnlySpan<float> labels, ReadOnlySpan<float> mask)
    {
        var pairs = new List<(float Score, bool Positive)>();
        for (int i = 0; i < scores.Length; i++)
            if (mask.IsEmpty || mask[i] != 0) pairs.Add((scores[i], labels[i] > 0.5f));
        long p = pairs.Count(x => x.Positive), n = pairs.Count - p;
        if (p == 0 || n == 0) return 0.5;
        pairs.Sort((a, b) => b.Score.CompareTo(a.Score));
        double bestJ = double.NegativeInfinity, best = 0.5;
        long tp = 0, fp = 0;
        for (int i = 0; i < pairs.Count;)
        {
            int j = i;
            while (j < pairs.Count && pairs[j].Score == pairs[i].Score) { if (pairs[j].Positive) tp++; else fp++; j++; }
            double youden = (double)tp / p - (double)fp / n;
            if (youden > bestJ) { bestJ = youden; best = pairs[i].Score; }
            i = j;
        }
        return best;
    }
}
