using System.Globalization;

namespace XRayHpc.Report;

/// <summary>How report pages write numbers: invariant culture, and "n/a" where a value is missing or not finite.</summary>
static class Number
{
    public static string Fixed(double v, int digits) => double.IsFinite(v) ? v.ToString("F" + digits, CultureInfo.InvariantCulture) : "n/a";

    public static string General(double v, int digits) => double.IsFinite(v) ? v.ToString("G" + digits, CultureInfo.InvariantCulture) : "n/a";

    /// <summary>A share in [0, 1] as a percentage with one decimal.</summary>
    public static string Percent(double share) => double.IsFinite(share) ? Fixed(share * 100, 1) + " %" : "n/a";
}
