namespace XRayHpc.Report.Svg;

/// <summary>One named line; NaN y values break the line (a member that was not evaluated there).</summary>
public sealed record Series(string Name, IReadOnlyList<(double X, double Y)> Points, string Color,
    bool Dashed = false, bool Markers = true);

/// <summary>
/// An x/y line chart with axes, ticks, grid and legend. Each series is one
/// <c>&lt;g class="series" data-series="name"&gt;</c> holding a path and its point markers, so tests and
/// scripts can find series by name.
/// </summary>
public sealed class LineChart
{
    public required string Title { get; init; }
    public required string XLabel { get; init; }
    public required string YLabel { get; init; }
    public List<Series> Series { get; } = [];
    /// <summary>Fixed y range (e.g. [0, 1] for AUROC); null = fitted to the data.</summary>
    public (double Lo, double Hi)? YRange { get; init; }
    public (double Lo, double Hi)? XRange { get; init; }
    public double Width { get; init; } = 640;
    public double Height { get; init; } = 360;

    const double Left = 64, Right = 170, Top = 34, Bottom = 46;

    public string Render()
    {
        var svg = new SvgText(Width, Height, Title);
        var finite = Series.SelectMany(s => s.Points).Where(p => double.IsFinite(p.X) && double.IsFinite(p.Y)).ToList();
        var (x0, x1, xt) = XRange is { } xr ? Ticks.Nice(xr.Lo, xr.Hi) : Ticks.Nice(Min(finite.Select(p => p.X)), Max(finite.Select(p => p.X)));
        var (y0, y1, yt) = YRange is { } yr ? Ticks.Nice(yr.Lo, yr.Hi) : Ticks.Nice(Min(finite.Select(p => p.Y)), Max(finite.Select(p => p.Y)));
        double pw = Width - Left - Right, ph = Height - Top - Bottom;
        double X(double x) => Left + (x - x0) / (x1 - x0) * pw;
        double Y(double y) => Top + ph - (y - y0) / (y1 - y0) * ph;

        svg.Text(Left + pw / 2, 20, Title, "middle", "font-size=\"14\" font-weight=\"bold\"");
        svg.Open("<g class=\"axes\" stroke=\"#999\" stroke-width=\"1\">");
        foreach (var t in xt) svg.Line($"<line class=\"grid\" x1=\"{SvgText.N(X(t))}\" y1=\"{SvgText.N(Top)}\" x2=\"{SvgText.N(X(t))}\" y2=\"{SvgText.N(Top + ph)}\" stroke=\"#eee\"/>");
        foreach (var t in yt) svg.Line($"<line class=\"grid\" x1=\"{SvgText.N(Left)}\" y1=\"{SvgText.N(Y(t))}\" x2=\"{SvgText.N(Left + pw)}\" y2=\"{SvgText.N(Y(t))}\" stroke=\"#eee\"/>");
        svg.Line($"<rect x=\"{SvgText.N(Left)}\" y=\"{SvgText.N(Top)}\" width=\"{SvgText.N(pw)}\" height=\"{SvgText.N(ph)}\" fill=\"none\"/>");
        svg.Close("g");
        svg.Open("<g class=\"tick-labels\" fill=\"#333\">");
        foreach (var t in xt) svg.Text(X(t), Top + ph + 15, Ticks.Label(t), "middle");
        foreach (var t in yt) svg.Text(Left - 6, Y(t) + 4, Ticks.Label(t), "end");
        svg.Text(Left + pw / 2, Height - 10, XLabel, "middle");
        svg.Text(16, Top + ph / 2, YLabel, "middle", $"transform=\"rotate(-90 16 {SvgText.N(Top + ph / 2)})\"");
        svg.Close("g");

        foreach (var s in Series)
        {
            svg.Open($"<g class=\"series\" data-series=\"{SvgText.Esc(s.Name)}\" stroke=\"{s.Color}\" fill=\"{s.Color}\">");
            var d = new System.Text.StringBuilder();
            bool pen = false;
            foreach (var (x, y) in s.Points)
            {
                if (!double.IsFinite(x) || !double.IsFinite(y)) { pen = false; continue; }
                d.Append(pen ? " L" : (d.Length > 0 ? " M" : "M")).Append(SvgText.N(X(x))).Append(',').Append(SvgText.N(Y(y)));
                pen = true;
            }
            if (d.Length > 0)
                svg.Line($"<path d=\"{d}\" fill=\"none\" stroke-width=\"1.8\"{(s.Dashed ? " stroke-dasharray=\"5,3\"" : "")}/>");
            if (s.Markers)
                foreach (var (x, y) in s.Points.Where(p => double.IsFinite(p.X) && double.IsFinite(p.Y)))
                    svg.Line($"<circle cx=\"{SvgText.N(X(x))}\" cy=\"{SvgText.N(Y(y))}\" r=\"2.5\"><title>{SvgText.Esc(s.Name)}: ({Ticks.Label(x)}, {Ticks.Label(y)})</title></circle>");
            svg.Close("g");
        }

        svg.Open("<g class=\"legend\">");
        for (int i = 0; i < Series.Count; i++)
        {
            double ly = Top + 8 + i * 16, lx = Left + pw + 12;
            var s = Series[i];
            svg.Line($"<line x1=\"{SvgText.N(lx)}\" y1=\"{SvgText.N(ly)}\" x2=\"{SvgText.N(lx + 18)}\" y2=\"{SvgText.N(ly)}\" stroke=\"{s.Color}\" stroke-width=\"2\"{(s.Dashed ? " stroke-dasharray=\"5,3\"" : "")}/>");
            svg.Text(lx + 24, ly + 4, s.Name);
        }
        svg.Close("g");
        return svg.ToString();
    }

    static double Min(IEnumerable<double> v) { var l = v.ToList(); return l.Count == 0 ? 0 : l.Min(); }
    static double Max(IEnumerable<double> v) { var l = v.ToList(); return l.Count == 0 ? 1 : l.Max(); }
}
