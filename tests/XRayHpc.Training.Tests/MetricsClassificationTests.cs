using XRayHpc.Training.Metrics;

namespace XRayHpc.Training.Tests;

public class MetricsClassificationTests
{
    [Fact]
    public void Confusion_ratios()
    {
        var c = BinaryCounts.At(new[] { 0.9f, 0.8f, 0.3f, 0.6f, 0.1f }, new[] { 1f, 1f, 1f, 0f, 0f }, default, 0.5);
        Assert.Equal(new BinaryCounts(2, 1, 1, 1), c);
        Assert.Equal(3.0 / 5, c.Accuracy, 12);
        Assert.Equal(2.0 / 3, c.Precision, 12);
        Assert.Equal(2.0 / 3, c.Recall, 12);
        Assert.Equal(1.0 / 2, c.Specificity, 12);
        Assert.Equal(2.0 / 3, c.F1, 12);
        Assert.Equal(0, new BinaryCounts(0, 0, 5, 0).Precision);
    }

    [Fact]
    public void Youden_threshold_separates_a_separable_set()
    {
        var s = new[] { 0.2f, 0.25f, 0.3f, 0.32f, 0.4f };
        var y = new[] { 0f, 0f, 0f, 1f, 1f };
        double t = BinaryCounts.YoudenThreshold(s, y, default);
        Assert.Equal(0.32f, (float)t);
        var c = BinaryCounts.At(s, y, default, t);
        Assert.Equal(1.0, c.Accuracy);
    }

    [Fact]
    public void Multilabel_report_uses_masks_and_chosen_thresholds()
    {
        // Two classes, four samples. Class B's third label is masked out (an ignored uncertain label).
        float[] scores = { 0.9f, 0.2f, 0.3f, 0.4f, 0.45f, 0.9f, 0.1f, 0.35f };
        float[] labels = { 1f, 0f, 0f, 1f, 1f, 0f, 0f, 0f };
        float[] mask = { 1f, 1f, 1f, 1f, 1f, 0f, 1f, 1f };
        string[] names = { "A", "B" };
        var thresholds = ClassificationMetrics.ChooseThresholds(scores, labels, mask, 2);
        var r = ClassificationMetrics.Compute(scores, labels, mask, names, multiClass: false, thresholds);
        Assert.Equal(1.0, r.PerClassAuroc["A"], 12);
        Assert.Equal(1.0, r.PerClassAuroc["B"], 12);
        Assert.Equal(1.0, r.MeanAuroc, 12);
        // At 0.5 class A misses the 0.45 positive; at its Youden threshold (0.45) everything is right.
        Assert.Equal(0.75, r.PerClassAccuracy["A"], 12);
        Assert.Equal(1.0, r.AccuracyAtThresholds, 12);
    }

    [Fact]
    public void Multiclass_accuracy_is_argmax()
    {
        float[] scores = { 0.7f, 0.3f, 0.4f, 0.6f, 0.8f, 0.2f };
        float[] labels = { 1f, 0f, 0f, 1f, 0f, 1f };
        var r = ClassificationMetrics.Compute(scores, labels, null, new[] { "normal", "pneumonia" }, multiClass: true);
        Assert.Equal(2.0 / 3, r.Accuracy, 12);
    }
}
