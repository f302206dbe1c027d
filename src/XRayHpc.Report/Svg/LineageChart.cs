namespace XRayHpc.Report.Svg;

/// <summary>
/// Population lineage (PBT, ASHA, random search): one horizontal lane per member over training steps, a dot per evaluation, an arrow from
/// the source lane to the target lane where a member copied another (exploit), a cross where a member
/// restarted from fresh weights and a square where it stopped. Hovering shows the hyperparameter change.
/// </summary>
public sealed class LineageChart
{
    public required IReadOnlyList<int> Members { get; init; }
    public required IReadOnlyList<MetricPoint> Evaluations { get; init; }
    public required IReadOnlyList<LineageEvent> Events { get; init; }
    public string Title { get; init; } = "Population lineage";
    public double Width { get; init; } = 640;

    const double Left = 80, Right = 30, Top = 40, Bottom = 46, Lane = 36;

    public string Render()
    {
        var members = Members.Union(Events.Select(e => e.Target)).Union(Events.Where(e => e.Source != null).Select(e => e.Source!.Value)).Order().ToList();
        double height = Top + Bottom + Math.Max(1, members.Count) * Lane;
        var svg = new SvgText(Width, height, Title);
        var steps = Evaluations.Select(e => (double)e.Step).Concat(Events.Select(e => (double)e.Step)).ToList();
        var (x0, x1, xt) = Ticks.Nice(steps.Count > 0 ? Math.Min(0, steps.Min()) : 0, steps.Count > 0 ? steps.Max() : 1);
        double pw = Width - Left - Right;
        double X(double s) => Left + (s - x0) / (x1 - x0) * pw;
        double Y(int member) => Top + (members.IndexOf(member) + 0.5) * Lane;

        svg.Line("<defs><marker id=\"lineage-arrow\" viewBox=\"0 0 10 10\" refX=\"9\" refY=\"5\" markerWidth=\"7\" markerHeight=\"7\" orient=\"auto-start-reverse\"><path d=\"M0,0 L10,5 L0,10 z\" fill=\"#444\"/></marker></defs>");
        svg.Text(Left + pw / 2, 20, Title, "middle", "font-size=\"14\" font-weight=\"bold\"");
        svg.Open("<g class=\"axes\" stroke=\"#ccc\">");
        foreach (var t in xt) svg.Line($"<line class=\"grid\" x1=\"{SvgText.N(X(t))}\" y1=\"{SvgText.N(Top)}\" x2=\"{SvgText.N(X(t))}\" y2=\"{SvgText.N(height - Bottom)}\" stroke=\"#eee\"/>");
        svg.Close("g");
        svg.Open("<g class=\"tick-labels\" fill=\"#333\">");
        foreach (var t in xt) svg.Text(X(t), height - Bottom + 15, Ticks.Label(t), "middle");
        svg.Text(Left + pw / 2, height - 10, "step", "middle");
        svg.Close("g");

        foreach (var m in members)
        {
            var evals = Evaluations.Where(e => e.Member == m).OrderBy(e => e.Step).ToList();
            string color = Palette.Of(m);
            svg.Open($"<g class=\"lane\" data-member=\"{m}\" stroke=\"{color}\" fill=\"{color}\">");
            svg.Text(Left - 10, Y(m) + 4, $"member {m}", "end", "stroke=\"none\" fill=\"#333\"");
            double first = evals.Count > 0 ? evals[0].Step : x0, last = evals.Count > 0 ? evals[^1].Step : x1;
            svg.Line($"<line x1=\"{SvgText.N(X(Math.Min(first, x0)))}\" y1=\"{SvgText.N(Y(m))}\" x2=\"{SvgText.N(X(last))}\" y2=\"{SvgText.N(Y(m))}\" stroke-width=\"2\" opacity=\"0.5\"/>");
            foreach (var e in evals)
                svg.Line($"<circle class=\"evaluation\" cx=\"{SvgText.N(X(e.Step))}\" cy=\"{SvgText.N(Y(m))}\" r=\"3\"><title>member {m} step {e.Step}: mean AUROC {F(e.MeanAuroc)}</title></circle>");
            svg.Close("g");
        }

        svg.Open("<g class=\"events\">");
        foreach (var e in Events.OrderBy(e => e.Step).ThenBy(e => e.Target))
        {
            string tip = SvgText.Esc(Describe(e));
            double x = X(e.Step), yt = Y(e.Target);
            switch (e.Kind)
            {
                case "exploit" when e.Source is { } src:
                    double ys = Y(src), dir = Math.Sign(yt - ys);
                    svg.Line($"<line class=\"exploit\" data-source=\"{src}\" data-target=\"{e.Target}\" data-step=\"{e.Step}\" x1=\"{SvgText.N(x)}\" y1=\"{SvgText.N(ys + dir * 4)}\" x2=\"{SvgText.N(x)}\" y2=\"{SvgText.N(yt - dir * 5)}\" stroke=\"#444\" stroke-width=\"1.5\" marker-end=\"url(#lineage-arrow)\"><title>{tip}</title></line>");
                    break;
                case "restart":
                    svg.Line($"<path class=\"restart\" data-target=\"{e.Target}\" data-step=\"{e.Step}\" d=\"M{SvgText.N(x - 5)},{SvgText.N(yt - 5)} L{SvgText.N(x + 5)},{SvgText.N(yt + 5)} M{SvgText.N(x - 5)},{SvgText.N(yt + 5)} L{SvgText.N(x + 5)},{SvgText.N(yt - 5)}\" stroke=\"#d62728\" stroke-width=\"2\"><title>{tip}</title></path>");
                    break;
                case "stop":
                    svg.Line($"<rect class=\"stop\" data-target=\"{e.Target}\" data-step=\"{e.Step}\" x=\"{SvgText.N(x - 4)}\" y=\"{SvgText.N(yt - 4)}\" width=\"8\" height=\"8\" fill=\"#333\"><title>{tip}</title></rect>");
                    break;
            }
        }
        svg.Close("g");
        return svg.ToString();
    }

    /// <summary>"step 40: member 1 copies member 0; lr 0.01 → 0.012".</summary>
    public static string Describe(LineageEvent e)
    {
        var what = e.Kind switch
        {
            "exploit" => $"member {e.Target} copies member {e.Source}",
            "restart" => $"member {e.Target} restarts from fresh weights",
            "stop" => $"member {e.Target} stops",
            "initial" => $"member {e.Target} starts",
            _ => $"member {e.Target}: {e.Kind}",
        };
        var changes = e.New.Where(kv => !e.Old.TryGetValue(kv.Key, out var o) || o != kv.Value)
            .Select(kv => e.Old.TryGetValue(kv.Key, out var o) ? $"{kv.Key} {F(o)} → {F(kv.Value)}" : $"{kv.Key} {F(kv.Value)}");
        var named = e.NewNames.Where(kv => !e.OldNames.TryGetValue(kv.Key, out var o) || o != kv.Value)
            .Select(kv => e.OldNames.TryGetValue(kv.Key, out var o) ? $"{kv.Key} {o} → {kv.Value}" : $"{kv.Key} {kv.Value}");
        var list = string.Join(", ", changes.Concat(named).Concat(e.OptimizerState is { } os ? [$"optimizer state {os}"] : []));
        return $"step {e.Step}: {what}" + (list.Length > 0 ? "; " + list : "");
    }

    static string F(double v) => Number.General(v, 4);
}
