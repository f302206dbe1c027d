using System.Globalization;
using System.Text.Json;
using XRayHpc.Report.Svg;

namespace XRayHpc.Report;

/// <summary>
/// `xrayhpc report &lt;run&gt;`: one page per run directory with the summary, per-class test AUROC, loss and
/// AUROC per member over training, the best model's ROC curves, the PBT lineage, learning rate and
/// throughput. Everything is computed from the run's files, so the same run always gives the same page.
/// </summary>
public static class RunReport
{
    public static Document Build(RunData run)
    {
        var doc = new Document($"XRayHpc run report: {Path.GetFileName(Path.TrimEndingDirectorySeparator(Path.GetFullPath(run.Dir)))}");
        var members = run.Members;
        doc.Add(new Document.Paragraph(
            $"Run directory `{run.Dir}`: {members.Count} member(s), {run.Metrics.Count} evaluation(s), " +
            $"{run.Lineage.Count(e => e.Kind is "exploit" or "restart")} PBT change(s), {run.Predictions.Count} test prediction(s)."));

        AddSummary(doc, run);
        AddClassAuroc(doc, run);
        AddMembers(doc, run);

        if (run.Metrics.Count > 0)
        {
            doc.Add(new Document.Heading("Training curves"));
            doc.Add(new Document.Chart("charts/loss.svg", "Training loss (solid) and validation loss (dashed) per member", LossChart(run)));
            doc.Add(new Document.Chart("charts/auroc.svg", "Validation mean AUROC per member", MemberChart(run, "Validation mean AUROC", "mean AUROC", m => m.MeanAuroc, (0, 1))));
            doc.Add(new Document.Chart("charts/lr.svg", "Learning rate per member (PBT explores it)", MemberChart(run, "Learning rate", "lr", m => m.Lr, null)));
            doc.Add(new Document.Chart("charts/throughput.svg", "Training throughput per member", MemberChart(run, "Throughput", "images/s", m => m.ImagesPerS, null)));
            if (PhaseChart(run) is { } phases)
                doc.Add(new Document.Chart("charts/time.svg", "Where each member's time went (member root, whole run): share of wall-clock time per phase", phases));
        }
        else doc.Add(new Document.Paragraph("No metrics.jsonl yet: the run has not reached its first evaluation."));

        if (run.Predictions.Count > 0)
        {
            doc.Add(new Document.Heading("ROC curves of the best model (test split)"));
            doc.Add(new Document.Chart("charts/roc.svg", "ROC curve per class, best member, test split", RocChart(run)));
        }

        if (members.Count > 1 || run.Lineage.Count > 0)
        {
            doc.Add(new Document.Heading("Population lineage (PBT exploits, ASHA and random-search restarts)"));
            doc.Add(new Document.Chart("charts/lineage.svg", "Lanes are members; arrows point from the copied member to the one that copied it; × = restart",
                new LineageChart { Members = members, Evaluations = run.Metrics, Events = run.Lineage }.Render()));
            var changes = run.Lineage.Where(e => e.Kind != "initial").OrderBy(e => e.Step).ThenBy(e => e.Target).ToList();
            if (changes.Count > 0)
                doc.Add(new Document.Table(["round", "step", "kind", "change"],
                    changes.Select(e => (IReadOnlyList<string>)[I(e.Round), I(e.Step), e.Kind, LineageChart.Describe(e)]).ToList(), [true, true, false, false]));
        }

        CamGallerySection.Add(doc, run.Dir);

        if (run.ResolvedConfig is { } cfg)
        {
            doc.Add(new Document.Heading("Resolved configuration"));
            doc.Add(new Document.Code(cfg));
        }
        return doc;
    }

    /// <summary>Loads <paramref name="runDir"/> and writes report.md, report.html and charts/*.svg into <paramref name="outDir"/>.</summary>
    public static IReadOnlyList<string> Write(string runDir, string outDir) => Build(RunData.Load(runDir)).WriteTo(outDir, "report");

    static void AddSummary(Document doc, RunData run)
    {
        doc.Add(new Document.Heading("Summary"));
        if (run.Summary is not { ValueKind: JsonValueKind.Object } s)
        {
            doc.Add(new Document.Paragraph("No summary.json: the run has not finished (the tables below use the metrics so far)."));
            return;
        }
        var rows = new List<IReadOnlyList<string>>();
        foreach (var p in s.EnumerateObject())
        {
            if (p.Name == "auroc") continue; // its own table below
            if (p.Value.ValueKind == JsonValueKind.Object)
                foreach (var q in p.Value.EnumerateObject()) rows.Add([$"{p.Name}.{q.Name}", Scalar(q.Value)]);
            else rows.Add([p.Name, Scalar(p.Value)]);
        }
        doc.Add(new Document.Table(["field", "value"], rows));
    }

    static void AddClassAuroc(Document doc, RunData run)
    {
        var reported = new SortedDictionary<string, double>(StringComparer.Ordinal);
        if (run.Summary is { ValueKind: JsonValueKind.Object } s && s.TryGetProperty("auroc", out var a) && a.ValueKind == JsonValueKind.Object)
            foreach (var p in a.EnumerateObject()) reported[p.Name] = RunData.Num(a, p.Name);
        var preds = BestPredictions(run);
        var classes = ClassOrder(run, preds).Union(reported.Keys).ToList();
        if (classes.Count == 0) return;
        doc.Add(new Document.Heading("Per-class AUROC (test split, best member)"));
        var rows = new List<IReadOnlyList<string>>();
        foreach (var c in classes)
        {
            var items = preds.Where(p => p.Class == c).Select(p => (p.Score, p.Label >= 0.5)).ToList();
            double computed = Roc.Auc(Roc.Curve(items));
            rows.Add([c, reported.TryGetValue(c, out var r) ? F4(r) : "n/a", items.Count > 0 ? F4(computed) : "n/a",
                I(items.Count(i => i.Item2)), I(items.Count(i => !i.Item2))]);
        }
        var meanComputed = classes.Select(c => Roc.Auc(Roc.Curve(preds.Where(p => p.Class == c).Select(p => (p.Score, p.Label >= 0.5)).ToList())))
            .Where(double.IsFinite).DefaultIfEmpty(double.NaN).Average();
        var meanReported = reported.Values.Where(double.IsFinite).DefaultIfEmpty(double.NaN).Average();
        rows.Add(["**mean**", F4(meanReported), F4(meanComputed), "", ""]);
        doc.Add(new Document.Table(["class", "AUROC (summary.json)", "AUROC (from predictions.csv)", "positives", "negatives"], rows, [false, true, true, true, true]));
    }

    static void AddMembers(Document doc, RunData run)
    {
        if (run.Metrics.Count == 0) return;
        doc.Add(new Document.Heading("Members"));
        // A categorical search's names: the member's last architecture/optimizer (columns only when tuned).
        bool named = run.Metrics.Any(x => x.Model != null || x.Optimizer != null);
        var rows = run.Members.Select(m =>
        {
            var ms = run.Metrics.Where(x => x.Member == m).OrderBy(x => x.Step).ToList();
            var best = ms.Where(x => double.IsFinite(x.MeanAuroc)).DefaultIfEmpty().MaxBy(x => x?.MeanAuroc ?? double.NegativeInfinity);
            var last = ms[^1];
            return (IReadOnlyList<string>)[I(m), I(ms.Count), I(last.Step), best != null ? F4(best.MeanAuroc) : "n/a", best != null ? I(best.Step) : "n/a",
                G(last.Lr), F1(ms.Select(x => x.ImagesPerS).Where(double.IsFinite).DefaultIfEmpty(double.NaN).Average()),
                Number.Percent(ms.Select(x => x.AllreduceShare).Where(double.IsFinite).DefaultIfEmpty(double.NaN).Average()),
                I(run.Lineage.Count(e => e.Target == m && e.Kind == "exploit")), ms.Any(x => x.Failed) ? "yes" : "no",
                .. (named ? (string[])[ms[^1].Model ?? "", ms[^1].Optimizer ?? ""] : [])];
        }).ToList();
        string[] header = ["member", "evaluations", "last step", "best val mean AUROC", "at step", "last lr", "mean images/s", "step time in allreduce", "times exploited", "failed"];
        bool[] numeric = [true, true, true, true, true, true, true, true, true, false];
        doc.Add(new Document.Table(named ? [.. header, "last model", "last optimizer"] : header, rows, named ? [.. numeric, false, false] : numeric));
    }

    static string LossChart(RunData run)
    {
        var chart = new LineChart { Title = "Loss", XLabel = "step", YLabel = "loss" };
        foreach (var m in run.Members)
        {
            var ms = run.Metrics.Where(x => x.Member == m).OrderBy(x => x.Step).ToList();
            chart.Series.Add(new Series($"member {m} train", ms.Select(x => ((double)x.Step, x.TrainLoss)).ToList(), Palette.Of(m)));
            chart.Series.Add(new Series($"member {m} val", ms.Select(x => ((double)x.Step, x.ValLoss)).ToList(), Palette.Of(m), Dashed: true));
        }
        return chart.Render();
    }

    /// <summary>Stacked bar per member of its phase_s summed over the run; null for runs written before phase_s.</summary>
    static string? PhaseChart(RunData run)
    {
        var parts = run.Metrics.SelectMany(m => m.PhaseS.Keys).Distinct().ToList();
        if (parts.Count == 0) return null;
        var chart = new StackedBarChart { Title = "Time per phase", Parts = parts };
        foreach (var m in run.Members)
        {
            var sums = parts.ToDictionary(p => p, p => run.Metrics.Where(x => x.Member == m).Sum(x => x.PhaseS.GetValueOrDefault(p)));
            chart.Rows.Add(($"member {m}", sums));
        }
        return chart.Render();
    }

    static string MemberChart(RunData run, string title, string yLabel, Func<MetricPoint, double> y, (double, double)? yRange)
    {
        var chart = new LineChart { Title = title, XLabel = "step", YLabel = yLabel, YRange = yRange };
        foreach (var m in run.Members)
            chart.Series.Add(new Series($"member {m}", run.Metrics.Where(x => x.Member == m).OrderBy(x => x.Step).Select(x => ((double)x.Step, y(x))).ToList(), Palette.Of(m)));
        return chart.Render();
    }

    static string RocChart(RunData run)
    {
        var preds = BestPredictions(run);
        var chart = new LineChart { Title = "ROC curves", XLabel = "false positive rate", YLabel = "true positive rate", XRange = (0, 1), YRange = (0, 1), Width = 640, Height = 420 };
        int i = 0;
        foreach (var c in ClassOrder(run, preds))
        {
            var curve = Roc.Curve(preds.Where(p => p.Class == c).Select(p => (p.Score, p.Label >= 0.5)).ToList());
            if (curve.Count == 0) { i++; continue; }
            chart.Series.Add(new Series($"{c} (AUC {F4(Roc.Auc(curve))})", curve.Select(p => (p.Fpr, p.Tpr)).ToList(), Palette.Of(i++), Markers: false));
        }
        chart.Series.Add(new Series("chance", [(0, 0), (1, 1)], "#999999", Dashed: true, Markers: false));
        return chart.Render();
    }

    /// <summary>The best member's labelled predictions (masked labels are left out of AUROC and ROC): summary.json's
    /// best_member when given, else all rows (the file holds one member).</summary>
    static List<Prediction> BestPredictions(RunData run)
    {
        var labelled = run.Predictions.Where(p => p.Label is not null).ToList();
        if (run.Summary is { ValueKind: JsonValueKind.Object } s && s.TryGetProperty("best_member", out var b) && b.ValueKind == JsonValueKind.Number)
        {
            int best = b.GetInt32();
            var only = labelled.Where(p => p.Member == best).ToList();
            if (only.Count > 0) return only;
        }
        return labelled;
    }

    // Classes in the order the trainer wrote them (first appearance), which is the dataset's class order.
    static IEnumerable<string> ClassOrder(RunData run, List<Prediction> preds) =>
        preds.Select(p => p.Class).Concat(run.Metrics.SelectMany(m => m.Auroc.Keys)).Distinct();

    static string Scalar(JsonElement v) => v.ValueKind switch
    {
        JsonValueKind.Number => G(v.GetDouble()),
        JsonValueKind.String => v.GetString() ?? "",
        JsonValueKind.True => "true",
        JsonValueKind.False => "false",
        JsonValueKind.Null => "null",
        _ => v.GetRawText(),
    };

    static string I(long v) => v.ToString(CultureInfo.InvariantCulture);
    static string F4(double v) => Number.Fixed(v, 4);
    static string F1(double v) => Number.Fixed(v, 1);
    static string G(double v) => Number.General(v, 6);
}
