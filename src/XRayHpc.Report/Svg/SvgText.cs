using System.Globalization;
using System.Text;

namespace XRayHpc.Report.Svg;

/// <summary>
/// Minimal SVG text builder. Output depends only on the input (invariant culture, fixed number format,
/// no timestamps or random ids), so the same run always gives byte-identical charts.
/// </summary>
public sealed class SvgText
{
    readonly StringBuilder _sb = new();
    int _depth;

    public SvgText(double width, double height, string title)
    {
        _sb.Append($"<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{N(width)}\" height=\"{N(height)}\" viewBox=\"0 0 {N(width)} {N(height)}\" font-family=\"Helvetica, Arial, sans-serif\" font-size=\"11\">\n");
        _depth = 1;
        Line($"<title>{Esc(title)}</title>");
        Line($"<rect class=\"background\" x=\"0\" y=\"0\" width=\"{N(width)}\" height=\"{N(height)}\" fill=\"white\"/>");
    }

    /// <summary>Numbers with at most 2 decimals, '.' separator, no trailing zeros, no "-0".</summary>
    public static string N(double v)
    {
        var s = Math.Round(v, 2).ToString("0.##", CultureInfo.InvariantCulture);
        return s == "-0" ? "0" : s;
    }

    public static string Esc(string s) => s.Replace("&", "&amp;").Replace("<", "&lt;").Replace(">", "&gt;").Replace("\"", "&quot;");

    public void Line(string element) => _sb.Append(' ', 2 * _depth).Append(element).Append('\n');

    public void Open(string element) { Line(element); _depth++; }

    public void Close(string name) { _depth--; Line($"</{name}>"); }

    public void Text(double x, double y, string text, string anchor = "start", string? extra = null) =>
        Line($"<text x=\"{N(x)}\" y=\"{N(y)}\" text-anchor=\"{anchor}\"{(extra != null ? " " + extra : "")}>{Esc(text)}</text>");

    public override string ToString() => _sb.ToString() + "</svg>\n";
}

/// <summary>Fixed palette (Tableau 10) so member i has the same colour in every chart.</summary>
public static class Palette
{
    static readonly string[] Colors = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf", "#aec7e8"];
    public static string Of(int i) => Colors[((i % Colors.Length) + Colors.Length) % Colors.Length];
}

/// <summary>"Nice" axis ticks: steps of 1, 2 or 5 times a power of ten.</summary>
public static class Ticks
{
    public static (double Lo, double Hi, double[] Ticks) Nice(double lo, double hi, int target = 5)
    {
        if (!double.IsFinite(lo) || !double.IsFinite(hi)) { lo = 0; hi = 1; }
        if (hi - lo < 1e-12) { double pad = Math.Abs(lo) > 1e-12 ? Math.Abs(lo) * 0.1 : 1; lo -= pad; hi += pad; }
        double raw = (hi - lo) / Math.Max(1, target);
        double mag = Math.Pow(10, Math.Floor(Math.Log10(raw)));
        double step = new[] { 1.0, 2, 5, 10 }.Select(m => m * mag).First(s => s >= raw - 1e-12);
        double start = Math.Floor(lo / step + 1e-9) * step, end = Math.Ceiling(hi / step - 1e-9) * step;
        var ticks = new List<double>();
        for (double t = start; t <= end + step * 1e-6; t += step) ticks.Add(Math.Round(t / step) * step);
        return (start, end, ticks.ToArray());
    }

    public static string Label(double v)
    {
        double a = Math.Abs(v);
        if (a != 0 && (a >= 1e5 || a < 1e-3)) return v.ToString("0.#e0", CultureInfo.InvariantCulture);
        return Math.Round(v, 6).ToString("0.######", CultureInfo.InvariantCulture);
    }
}
