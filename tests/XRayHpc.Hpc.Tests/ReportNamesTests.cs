using System.Text.Json.Nodes;
using XRayHpc.Report;

namespace XRayHpc.Hpc.Tests;

/// <summary>The report prints a categorical search's values (model, optimizer) as names, and still reads runs without them.</summary>
public sealed class ReportNamesTests : IDisposable
{
    readonly string _dir = Path.Combine(Path.GetTempPath(), "xrayhpc-report-names-" + Guid.NewGuid().ToString("N"));

    public void Dispose() { try { Directory.Delete(_dir, true); } catch (IOException) { } }

    [Fact]
    public void Names_appear_in_the_members_table_the_lineage_and_the_summary()
    {
        var run = SyntheticRun.Write(Path.Combine(_dir, "run"));
        // The synthetic run as a categorical search wrote it: names on every metrics line, in lineage and summary.
        var metrics = Path.Combine(run, "metrics.jsonl");
        File.WriteAllLines(metrics, File.ReadAllLines(metrics).Select(l =>
        {
            var o = JsonNode.Parse(l)!.AsObject();
            o["model"] = (int)o["member"]! == 0 ? "resnet18" : "densenet121";
            o["optimizer"] = (int)o["step"]! >= 40 && (int)o["member"]! == 1 ? "adam" : "sgd";
            return o.ToJsonString();
        }));
        File.WriteAllText(Path.Combine(run, "lineage.jsonl"),
            "{\"round\":2,\"step\":40,\"target\":1,\"source\":0,\"kind\":\"exploit\",\"old\":{\"lr\":0.05},\"new\":{\"lr\":0.012}," +
            "\"old_names\":{\"optimizer\":\"sgd\"},\"new_names\":{\"optimizer\":\"adam\"},\"optimizer_state\":\"fresh adam (source trained with sgd)\"}\n");
        var summary = JsonNode.Parse(File.ReadAllText(Path.Combine(run, "summary.json")))!.AsObject();
        summary["names"] = new JsonObject { ["model"] = "densenet121", ["optimizer"] = "adam" };
        File.WriteAllText(Path.Combine(run, "summary.json"), summary.ToJsonString());

        var md = File.ReadAllText(RunReport.Write(run, Path.Combine(_dir, "out")).Single(f => f.EndsWith("report.md")));
        Assert.Contains("| last model | last optimizer |", md);
        Assert.Contains("| densenet121 | adam |", md);
        Assert.Contains("| resnet18 | sgd |", md);
        Assert.Contains("optimizer sgd → adam, optimizer state fresh adam (source trained with sgd)", md);
        Assert.Contains("| names.model | densenet121 |", md);
    }

    [Fact]
    public void A_run_without_names_keeps_its_members_table()
    {
        var run = SyntheticRun.Write(Path.Combine(_dir, "plain"));
        var md = File.ReadAllText(RunReport.Write(run, Path.Combine(_dir, "out-plain")).Single(f => f.EndsWith("report.md")));
        Assert.Contains("| times exploited | failed |", md);
        Assert.DoesNotContain("last model", md);
    }
}
