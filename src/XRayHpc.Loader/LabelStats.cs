using XRayHpc.Cache;

namespace XRayHpc.Loader;

/// <summary>Label counts of a split, from the manifest (counted by preprocess over observed labels).</summary>
public static class LabelStats
{
    /// <summary>
    /// BCE pos_weight per class = negatives / positives among rows where the label is observed (mask 1),
    /// so masked (uncertain, ignored) labels count for neither. A class with no positives gets 1: there
    /// is no positive term to weight.
    /// </summary>
    public static float[] PosWeight(string cacheDir, string split) => PosWeight(CacheManifest.Load(cacheDir).GetSplit(split));

    public static float[] PosWeight(SplitEntry s) =>
        s.Positives.Select((p, c) => p == 0 ? 1f : (float)((double)s.Negatives[c] / p)).ToArray();

    /// <summary>Oversampling weight of a row: the largest neg/pos ratio among its observed positive classes, at least 1.
    /// For one binary class this makes positives and negatives equally likely.</summary>
    public static double SampleWeight(ReadOnlySpan<float> labels, ReadOnlySpan<float> mask, float[] posWeight)
    {
        double w = 1;
        for (int c = 0; c < labels.Length; c++)
            if (mask[c] > 0 && labels[c] >= 0.5f) w = Math.Max(w, posWeight[c]);
        return w;
    }
}
