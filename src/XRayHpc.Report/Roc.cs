namespace XRayHpc.Report;

/// <summary>ROC curve and exact AUROC of one class; tied scores form one diagonal step (as sklearn's roc_curve).</summary>
public static class Roc
{
    /// <summary>Curve points (false positive rate, true positive rate) from (0,0) to (1,1); empty when one class is absent.</summary>
    public static IReadOnlyList<(double Fpr, double Tpr)> Curve(IReadOnlyList<(double Score, bool Positive)> items)
    {
        int pos = items.Count(i => i.Positive), neg = items.Count - pos;
        if (pos == 0 || neg == 0) return [];
        var sorted = items.OrderByDescending(i => i.Score).ToList();
        var pts = new List<(double, double)> { (0, 0) };
        int tp = 0, fp = 0;
        for (int i = 0; i < sorted.Count; i++)
        {
            if (sorted[i].Positive) tp++; else fp++;
            // Emit a point only after the last item of a group of equal scores.
            if (i + 1 == sorted.Count || sorted[i + 1].Score != sorted[i].Score)
                pts.Add(((double)fp / neg, (double)tp / pos));
        }
        return pts;
    }

    /// <summary>Area under the curve by trapezoids (ties count half); NaN when one class is absent.</summary>
    public static double Auc(IReadOnlyList<(double Fpr, double Tpr)> curve)
    {
        if (curve.Count < 2) return double.NaN;
        double area = 0;
        for (int i = 1; i < curve.Count; i++)
            area += (curve[i].Fpr - curve[i - 1].Fpr) * (curve[i].Tpr + curve[i - 1].Tpr) / 2;
        return area;
    }
}
