namespace XRayHpc.Training.Metrics;

/// <summary>Metrics of one evaluation; averages are macro (unweighted over classes).</summary>
public sealed record ClassificationReport(
    IReadOnlyDictionary<string, double> PerClassAuroc,
    double MeanAuroc,
    double Accuracy, double Precision, double Recall, double Specificity, double F1,
    IReadOnlyDictionary<string, double> PerClassAccuracy,
    IReadOnlyList<double> Thresholds,
    double AccuracyAtThresholds, double PrecisionAtThresholds, double RecallAtThresholds,
    double SpecificityAtThresholds, double F1AtThresholds);

public static class ClassificationMetrics
{
    /// <summary>
    /// Scores are probabilities, N×C row-major. Multi-label: each class is judged at 0.5 and at its own
    /// threshold (from <paramref name="thresholds"/>, normally chosen on validation with
    /// <see cref="ChooseThresholds"/>). Multi-class (softmax): the prediction is the arg-max class, so the
    /// threshold metrics equal the 0.5 ones; AUROC is one-vs-rest per class.
    /// </summary>
    public static ClassificationReport Compute(float[] scores, float[] labels, float[]? mask,
        IReadOnlyList<string> classNames, bool multiClass, double[]? thresholds = null)
    {
        int c = classNames.Count;
        if (c == 0) throw new ArgumentException("no classes");
        if (scores.Length != labels.Length || scores.Length % c != 0)
            throw new ArgumentException($"scores ({scores.Length}) and labels ({labels.Length}) must both be N×{c}");
        if (mask is not null && mask.Length != labels.Length) throw new ArgumentException("mask must be N×C like labels");
        int n = scores.Length / c;
        thresholds ??= Enumerable.Repeat(0.5, c).ToArray();

        var auroc = new Dictionary<string, double>();
        var perClassAccuracy = new Dictionary<string, double>();
        var atHalf = new BinaryCounts[c];
        var atChosen = new BinaryCounts[c];
        float[] column = new float[n], columnLabels = new float[n], columnMask = new float[n];
        float[]? predicted = multiClass ? ArgMaxOneHot(scores, n, c) : null;
        for (int k = 0; k < c; k++)
        {
            for (int i = 0; i < n; i++)
            {
                column[i] = scores[i * c + k];
                columnLabels[i] = labels[i * c + k];
                columnMask[i] = mask?[i * c + k] ?? 1f;
            }
            auroc[classNames[k]] = Auroc.Compute(column, columnLabels, columnMask);
            if (predicted is not null)
            {
                var hard = new float[n];
                for (int i = 0; i < n; i++) hard[i] = predicted[i * c + k];
                atHalf[k] = atChosen[k] = BinaryCounts.At(hard, columnLabels, columnMask, 0.5);
            }
            else
            {
                atHalf[k] = BinaryCounts.At(column, columnLabels, columnMask, 0.5);
                atChosen[k] = BinaryCounts.At(column, columnLabels, columnMask, thresholds[k]);
            }
            perClassAccuracy[classNames[k]] = atHalf[k].Accuracy;
        }

        var defined = auroc.Values.Where(v => !double.IsNaN(v)).ToList();
        double accuracy = predicted is not null ? ArgMaxAccuracy(predicted, labels, n, c) : atHalf.Average(b => b.Accuracy);
        double chosenAccuracy = predicted is not null ? accuracy : atChosen.Average(b => b.Accuracy);
        return new ClassificationReport(
            auroc, defined.Count == 0 ? double.NaN : defined.Average(),
            accuracy, atHalf.Average(b => b.Precision), atHalf.Average(b => b.Recall),
            atHalf.Average(b => b.Specificity), atHalf.Average(b => b.F1),
            perClassAccuracy, thresholds,
            chosenAccuracy, atChosen.Average(b => b.Precision), atChosen.Average(b => b.Recall),
            atChosen.Average(b => b.Specificity), atChosen.Average(b => b.F1));
    }

    /// <summary>One Youden-optimal threshold per class, from validation scores.</summary>
    public static double[] ChooseThresholds(float[] scores, float[] labels, float[]? mask, int classes)
    {
        int n = scores.Length / classes;
        var result = new double[classes];
        float[] column = new float[n], columnLabels = new float[n], columnMask = new float[n];
        for (int k = 0; k < classes; k++)
        {
            for (int i = 0; i < n; i++)
            {
                column[i] = scores[i * classes + k];
                columnLabels[i] = labels[i * classes + k];
                columnMask[i] = mask?[i * classes + k] ?? 1f;
            }
            result[k] = BinaryCounts.YoudenThreshold(column, columnLabels, columnMask);
        }
        return result;
    }

    private static float[] ArgMaxOneHot(float[] scores, int n, int c)
    {
        var hard = new float[n * c];
        for (int i = 0; i < n; i++)
        {
            int best = 0;
            for (int k = 1; k < c; k++) if (scores[i * c + k] > scores[i * c + best]) best = k;
            hard[i * c + best] = 1f;
        }
        return hard;
    }

    private static double ArgMaxAccuracy(float[] predicted, float[] labels, int n, int c)
    {
        if (n == 0) return 0;
        int correct = 0;
        for (int i = 0; i < n; i++)
            for (int k = 0; k < c; k++)
                if (predicted[i * c + k] == 1f && labels[i * c + k] > 0.5f) correct++;
        return (double)correct / n;
    }
}
