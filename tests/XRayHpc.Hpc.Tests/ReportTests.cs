using System.Xml.Linq;
using XRayHpc.Report;

namespace XRayHpc.Hpc.Tests;

public sealed class ReportTests : IDisposable
{
    readonly string _dir = Path.Combine(Path.GetTempPath(), "xrayhpc-report-" + Guid.NewGuid().ToString("N"));

    public void Dispose() { try { Directory.Delete(_dir, true); } catch (IOException) { } }

    static readonly XNamespace Svg = "http://www.w3.org/2000/svg";

    static IEnumerable<string> SeriesNames(XDocument svg) =>
        svg.Descendants(Svg + "g").Where(g => (string?)g.Attribute("class") == "series").Select(g => (string)g.Attribute("data-series")!);

    [Fact]
    public void Report_of_a_run_has_well_formed_charts_with_every_member_and_class()
    {
        var run = SyntheticRun.Write(Path.Combine(_dir, "run"));
        var files = RunReport.Write(run, Path.Combine(_dir, "out"));
        var charts = files.Where(f => f.EndsWith(".svg")).ToDictionary(f => Path.GetFileName(f), f => XDocument.Load(f));
        Assert.Equal(["auroc.svg", "lineage.svg", "loss.svg", "lr.svg", "roc.svg", "throughput.svg", "time.svg"], charts.Keys.Order().ToArray());

        Assert.Equal(["member 0 train", "member 0 val", "member 1 train", "member 1 val"], SeriesNames(charts["loss.svg"]));
        Assert.Equal(["member 0", "member 1"], SeriesNames(charts["auroc.svg"]));
        Assert.Equal(["member 0", "member 1"], SeriesNames(charts["throughput.svg"]));
        // ROC: one curve per class, labelled with its AUC, plus the chance diagonal.
        Assert.Equal(["Atelectasis (AUC 1.0000)", "Effusion (AUC 0.5000)", "Pneumonia (AUC 0.7500)", "chance"], SeriesNames(charts["roc.svg"]));

        // Every evaluation is a point: 4 per member and per series.
        var auroc = charts["auroc.svg"].Descendants(Svg + "g").First(g => (string?)g.Attribute("data-series") == "member 1");
        Assert.Equal(4, auroc.Elements(Svg + "circle").Count());

        // The NaN validation loss breaks member 1's val line: its path starts after the gap, 3 points.
        var val1 = charts["loss.svg"].Descendants(Svg + "g").First(g => (string?)g.Attribute("data-series") == "member 1 val");
        Assert.Equal(3, val1.Elements(Svg + "circle").Count());

        var lineage = charts["lineage.svg"];
        var exploit = Assert.Single(lineage.Descendants(Svg + "line"), l => (string?)l.Attribute("class") == "exploit");
        Assert.Equal(("0", "1", "40"), ((string)exploit.Attribute("data-source")!, (string)exploit.Attribute("data-target")!, (string)exploit.Attribute("data-step")!));
        Assert.Contains("lr 0.05 → 0.012", exploit.Value);
        var restart = Assert.Single(lineage.Descendants(Svg + "path"), l => (string?)l.Attribute("class") == "restart");
        Assert.Equal("0", (string)restart.Attribute("data-target")!);
        Assert.Equal(2, lineage.Descendants(Svg + "g").Count(g => (string?)g.Attribute("class") == "lane"));

        // Time per phase: member 0's 4 records sum to data 4, forward 8, backward 12, evaluation 1+2+3+4 = 10 seconds (34 in
        // all); member 1's records predate phase_s, so its bar is empty rather than invented.
        var segments = charts["time.svg"].Descendants(Svg + "rect").Where(r => (string?)r.Attribute("class") == "segment").ToList();
        var shares = segments.ToDictionary(r => ((string)r.Attribute("data-row")!, (string)r.Attribute("data-part")!), r => double.Parse((string)r.Attribute("data-share")!, System.Globalization.CultureInfo.InvariantCulture));
        Assert.Equal(4, shares.Count);
        Assert.Equal(4 / 34.0, shares[("member 0", "data")], 4);
        Assert.Equal(8 / 34.0, shares[("member 0", "forward")], 4);
        Assert.Equal(12 / 34.0, shares[("member 0", "backward")], 4);
        Assert.Equal(10 / 34.0, shares[("member 0", "evaluation")], 4);
    }

    [Fact]
    public void Markdown_has_the_per_class_auroc_table_computed_from_predictions()
    {
        var run = SyntheticRun.Write(Path.Combine(_dir, "run"));
        RunReport.Write(run, Path.Combine(_dir, "out"));
        var md = File.ReadAllLines(Path.Combine(_dir, "out", "report.md"));
        for (int k = 0; k < SyntheticRun.Classes.Length; k++)
        {
            var expected = SyntheticRun.ExpectedAuroc[k].ToString("F4", System.Globalization.CultureInfo.InvariantCulture);
            // | class | summary.json | from predictions.csv | positives | negatives |
            Assert.Contains($"| {SyntheticRun.Classes[k]} | {expected} | {expected} | 4 | 4 |", md);
        }
        Assert.Contains("| **mean** | 0.7500 | 0.7500 |  |  |", md);
        foreach (var chart in new[] { "loss", "auroc", "roc", "lineage", "throughput", "time" })
            Assert.Contains($"(charts/{chart}.svg)", string.Join("\n", md));
        Assert.Contains(md, l => l.StartsWith("| 2 | 40 | exploit | step 40: member 1 copies member 0; lr 0.05 → 0.012"));
        // Members table: mean images/s, then the mean share of step time in allreduce (n/a when not recorded).
        Assert.Contains(md, l => l.StartsWith("| 0 | 4 | 80 |") && l.Contains("| 42.5 | 7.5 % |"));
        Assert.Contains(md, l => l.StartsWith("| 1 | 4 | 80 |") && l.Contains("| 43.5 | n/a |"));
    }

    [Fact]
    public void Masked_predictions_with_an_empty_label_are_read_but_left_out_of_auroc_and_accuracy()
    {
        var run = SyntheticRun.Write(Path.Combine(_dir, "run"));
        // A masked (uncertain) pair per class, scored 0.99: counted as a negative it would change every AUROC.
        File.AppendAllLines(Path.Combine(run, "predictions.csv"), SyntheticRun.Classes.Select(c => $"1,999,{c},0.99,"));
        var data = RunData.Load(run);
        Assert.Equal(SyntheticRun.Classes.Length, data.Predictions.Count(p => p.Label is null));
        RunReport.Write(run, Path.Combine(_dir, "out"));
        var md = File.ReadAllLines(Path.Combine(_dir, "out", "report.md"));
        for (int k = 0; k < SyntheticRun.Classes.Length; k++)
        {
            var expected = SyntheticRun.ExpectedAuroc[k].ToString("F4", System.Globalization.CultureInfo.InvariantCulture);
            Assert.Contains($"| {SyntheticRun.Classes[k]} | {expected} | {expected} | 4 | 4 |", md);
        }
        var withMasked = PaperRuntime.AccuracyPerLabel(data.Predictions);
        var labelledOnly = PaperRuntime.AccuracyPerLabel(data.Predictions.Where(p => p.Label is not null));
        Assert.Equal(labelledOnly, withMasked);
    }

    [Fact]
    public void Html_page_embeds_the_same_charts_and_parses_as_xml()
    {
        var run = SyntheticRun.Write(Path.Combine(_dir, "run"));
        RunReport.Write(run, Path.Combine(_dir, "out"));
        var html = File.ReadAllText(Path.Combine(_dir, "out", "report.html"));
        Assert.StartsWith("<!DOCTYPE html>", html);
        // Our HTML is also well-formed XML once the doctype is dropped, so a browser has nothing to guess.
        var doc = XDocument.Parse(html[html.IndexOf("<html", StringComparison.Ordinal)..]);
        Assert.Equal(7, doc.Descendants(Svg + "svg").Count());
        foreach (var svgFile in Directory.GetFiles(Path.Combine(_dir, "out", "charts")))
            Assert.Contains(File.ReadAllText(svgFile), html);
    }

    [Fact]
    public void Same_run_gives_byte_identical_report()
    {
        var run = SyntheticRun.Write(Path.Combine(_dir, "run"));
        RunReport.Write(run, Path.Combine(_dir, "a"));
        RunReport.Write(run, Path.Combine(_dir, "b"));
        var a = Directory.GetFiles(Path.Combine(_dir, "a"), "*", SearchOption.AllDirectories).Select(f => Path.GetRelativePath(Path.Combine(_dir, "a"), f)).Order().ToList();
        var b = Directory.GetFiles(Path.Combine(_dir, "b"), "*", SearchOption.AllDirectories).Select(f => Path.GetRelativePath(Path.Combine(_dir, "b"), f)).Order().ToList();
        Assert.Equal(a, b);
        Assert.Equal(9, a.Count); // 7 charts + report.md + report.html
        foreach (var f in a)
            Assert.Equal(File.ReadAllBytes(Path.Combine(_dir, "a", f)), File.ReadAllBytes(Path.Combine(_dir, "b", f)));
    }

    [Fact]
    public void Malformed_metrics_line_names_file_and_line()
    {
        var run = SyntheticRun.Write(Path.Combine(_dir, "run"));
        File.AppendAllText(Path.Combine(run, "metrics.jsonl"), "{\"member\":0,\"step\":\n");
        var e = Assert.Throws<ReportInputException>(() => RunData.Load(run));
        Assert.Equal(Path.Combine(run, "metrics.jsonl"), e.File);
        Assert.Equal(9, e.Line);
        Assert.StartsWith($"{Path.Combine(run, "metrics.jsonl")}:9:", e.Message);
    }

    [Fact]
    public void Run_without_summary_or_predictions_still_reports_its_curves()
    {
        var run = SyntheticRun.Write(Path.Combine(_dir, "run"));
        File.Delete(Path.Combine(run, "summary.json"));
        File.Delete(Path.Combine(run, "predictions.csv"));
        var files = RunReport.Write(run, Path.Combine(_dir, "out"));
        Assert.DoesNotContain(files, f => Path.GetFileName(f) == "roc.svg");
        Assert.Contains(files, f => f.EndsWith("auroc.svg"));
        Assert.Contains("No summary.json", File.ReadAllText(Path.Combine(_dir, "out", "report.md")));
    }

    [Fact]
    public void Report_command_writes_into_the_run_folder_and_rejects_a_missing_run()
    {
        var run = SyntheticRun.Write(Path.Combine(_dir, "run"));
        var ok = Cli.Run("report", run);
        Assert.True(ok.ExitCode == 0, ok.Output);
        Assert.True(File.Exists(Path.Combine(run, "report", "report.html")));
        var bad = Cli.Run("report", Path.Combine(_dir, "nope"));
        Assert.Equal(2, bad.ExitCode);
        Assert.Contains("run directory not found", bad.Output);
        var empty = Directory.CreateDirectory(Path.Combine(_dir, "empty")).FullName;
        var notRun = Cli.Run("report", empty);
        Assert.Equal(2, notRun.ExitCode);
        Assert.Contains("not a run directory", notRun.Output);
        Assert.Empty(Directory.GetFileSystemEntries(empty)); // nothing written
    }
}
