namespace XRayHpc.Report.Svg;

/// <summary>
/// Horizontal stacked bars: one bar per row (e.g. a member), one segment per part (e.g. a phase), drawn as the
/// part's share of the row's total so rows of different lengths compare. Each segment is a
/// <c>&lt;rect class="segment" data-row=".." data-part=".." data-share=".."&gt;</c> so tests and scripts can read it.
/// </summary>
public sealed class StackedBarChart
{
    public required string Title { get; init; }
    public required IReadOnlyList<string> Parts { get; init; }
    /// <summary>Row label and its value per part (parts missing from a row count as 0).</summary>
    public List<(string Row, IReadOnlyDictionary<string, double> Values)> Rows { get; } = [];
    public double Width { get; init; } = 640;

    const double Left = 90, Right = 130, Top = 34, BarHeight = 22, Gap = 10;

    public string Render()
    {
        double height = Top + Rows.Count * (BarHeight + Gap) + 30;
        double legendHeight = Top + Parts.Count * 16 + 10;
        var svg = new SvgText(Width, Math.Max(height, legendHeight), Title);
        double pw = Width - Left - Right;
        svg.Text(Left + pw / 2, 20, Title, "middle", "font-size=\"14\" font-weight=\"bold\"");
        for (int r = 0; r < Rows.Count; r++)
        {
            var (row, values) = Rows[r];
            double total = Parts.Sum(p => Math.Max(0, values.GetValueOrDefault(p))), x = Left, y = Top + r * (BarHeight + Gap);
            svg.Text(Left - 6, y + BarHeight / 2 + 4, row, "end");
            svg.Open($"<g class=\"bar\" data-row=\"{SvgText.Esc(row)}\">");
            for (int i = 0; i < Parts.Count; i++)
            {
                double share = total > 0 ? Math.Max(0, values.GetValueOrDefault(Parts[i])) / total : 0;
                if (share <= 0) continue;
                double w = share * pw;
                svg.Line($"<rect class=\"segment\" data-row=\"{SvgText.Esc(row)}\" data-part=\"{SvgText.Esc(Parts[i])}\" data-share=\"{share.ToString("F4", System.Globalization.CultureInfo.InvariantCulture)}\" " +
                         $"x=\"{SvgText.N(x)}\" y=\"{SvgText.N(y)}\" width=\"{SvgText.N(w)}\" height=\"{SvgText.N(BarHeight)}\" fill=\"{Palette.Of(i)}\">" +
                         $"<title>{SvgText.Esc(row)}: {SvgText.Esc(Parts[i])} {(100 * share).ToString("F1", System.Globalization.CultureInfo.InvariantCulture)} %</title></rect>");
                x += w;
            }
            svg.Close("g");
        }
        svg.Open("<g class=\"legend\">");
        for (int i = 0; i < Parts.Count; i++)
        {
            double ly = Top + i * 16, lx = Left + pw + 12;
            svg.Line($"<rect x=\"{SvgText.N(lx)}\" y=\"{SvgText.N(ly - 8)}\" width=\"12\" height=\"10\" fill=\"{Palette.Of(i)}\"/>");
            svg.Text(lx + 18, ly + 1, Parts[i]);
        }
        svg.Close("g");
        return svg.ToString();
    }
}
