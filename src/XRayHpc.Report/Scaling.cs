using System.Globalization;
using System.Text;
using XRayHpc.Report.Svg;

namespace XRayHpc.Report;

/// <summary>
/// One timed configuration of `xrayhpc bench scaling`: <see cref="Mode"/> strong = the global batch is fixed
/// and split over the ranks; weak = the batch per rank is fixed. Times are medians over the timed steps.
/// </summary>
public sealed record ScalingSample(string Mode, int Ranks, int Threads, int BatchPerRank, int Repeat,
    double StepSeconds, double AllreduceSeconds)
{
    public double ImagesPerSecond => StepSeconds > 0 ? BatchPerRank * (double)Ranks / StepSeconds : double.NaN;
}

/// <summary>One line of the scaling table: medians over repeats, compared with the 1-rank run of the same mode and threads.</summary>
public sealed record ScalingRow(string Mode, int Ranks, int Threads, int BatchPerRank, int Repeats, double ImagesPerSecond,
    double StepMs, double AllreduceShare, double Speedup, double Efficiency);

/// <summary>Turns samples into the scaling table, as CSV, Markdown and an SVG chart (images/s against ranks).</summary>
public static class ScalingReport
{
    public static IReadOnlyList<ScalingRow> Rows(IEnumerable<ScalingSample> samples)
    {
        var groups = samples.GroupBy(s => (s.Mode, s.Threads, s.Ranks, s.BatchPerRank))
            .Select(g => (g.Key, Ips: Median(g.Select(s => s.ImagesPerSecond)), Step: Median(g.Select(s => s.StepSeconds)),
                          Share: Median(g.Select(s => s.AllreduceSeconds / s.StepSeconds)), N: g.Count()))
            .OrderBy(r => r.Key.Mode == "strong" ? 0 : 1).ThenBy(r => r.Key.Threads).ThenBy(r => r.Key.Ranks).ToList();
        var rows = new List<ScalingRow>();
        foreach (var r in groups)
        {
            var baseline = groups.FirstOrDefault(b => b.Key.Mode == r.Key.Mode && b.Key.Threads == r.Key.Threads && b.Key.Ranks == 1);
            double speedup = baseline.N > 0 ? r.Ips / baseline.Ips : double.NaN;
            rows.Add(new ScalingRow(r.Key.Mode, r.Key.Ranks, r.Key.Threads, r.Key.BatchPerRank, r.N, r.Ips, r.Step * 1000, r.Share,
                speedup, speedup / r.Key.Ranks));
        }
        return rows;
    }

    static double Median(IEnumerable<double> values)
    {
        var v = values.Where(double.IsFinite).Order().ToList();
        if (v.Count == 0) return double.NaN;
        return v.Count % 2 == 1 ? v[v.Count / 2] : (v[v.Count / 2 - 1] + v[v.Count / 2]) / 2;
    }

    static readonly string[] Header = ["mode", "ranks", "threads_per_rank", "batch_per_rank", "global_batch", "repeats", "images_per_s", "step_ms", "allreduce_share", "speedup", "efficiency"];

    static string[] Cells(ScalingRow r) =>
    [
        r.Mode, I(r.Ranks), I(r.Threads), I(r.BatchPerRank), I(r.BatchPerRank * r.Ranks), I(r.Repeats), F(r.ImagesPerSecond, 2),
        F(r.StepMs, 1), F(r.AllreduceShare, 3), F(r.Speedup, 3), F(r.Efficiency, 3),
    ];

    public static string Csv(IReadOnlyList<ScalingRow> rows) =>
        string.Join(",", Header) + "\n" + string.Concat(rows.Select(r => string.Join(",", Cells(r)) + "\n"));

    public static string Markdown(IReadOnlyList<ScalingRow> rows)
    {
        var table = new Document.Table(
            ["mode", "ranks", "threads/rank", "batch/rank", "global batch", "repeats", "images/s", "step ms", "allreduce share", "speedup", "efficiency"],
            rows.Select(r =>
            {
                var c = Cells(r);
                c[8] = double.IsFinite(r.AllreduceShare) ? (r.AllreduceShare * 100).ToString("F1", CultureInfo.InvariantCulture) + " %" : "n/a";
                return (IReadOnlyList<string>)c;
            }).ToList(),
            [false, true, true, true, true, true, true, true, true, true, true]);
        return Document.MarkdownTable(table);
    }

    public static string Svg(IReadOnlyList<ScalingRow> rows, string title = "Throughput against ranks")
    {
        var chart = new LineChart { Title = title, XLabel = "MPI ranks", YLabel = "images/s", YRange = (0, Math.Max(1, rows.Select(r => r.ImagesPerSecond).Where(double.IsFinite).DefaultIfEmpty(1).Max() * 1.1)) };
        int i = 0;
        foreach (var g in rows.GroupBy(r => (r.Mode, r.Threads)))
        {
            string color = Palette.Of(i++);
            var pts = g.OrderBy(r => r.Ranks).Select(r => ((double)r.Ranks, r.ImagesPerSecond)).ToList();
            chart.Series.Add(new Series($"{g.Key.Mode}, {g.Key.Threads} thread(s)/rank", pts, color));
            var one = g.FirstOrDefault(r => r.Ranks == 1);
            if (one != null)
                chart.Series.Add(new Series($"{g.Key.Mode}, {g.Key.Threads} t/r: linear", g.OrderBy(r => r.Ranks).Select(r => ((double)r.Ranks, one.ImagesPerSecond * r.Ranks)).ToList(), color, Dashed: true, Markers: false));
        }
        return chart.Render();
    }

    static string I(int v) => v.ToString(CultureInfo.InvariantCulture);
    static string F(double v, int digits) => double.IsFinite(v) ? v.ToString("F" + digits, CultureInfo.InvariantCulture) : "";
}
