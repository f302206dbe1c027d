using System.CommandLine;
using XRayHpc.Report;

namespace XRayHpc.Cli.Commands;

/// <summary>`xrayhpc report &lt;run&gt;`: report.md + report.html + charts/*.svg for one run directory.</summary>
public sealed class ReportCommand : ICliCommand
{
    public int Order => 60;

    public Command Build()
    {
        var run = new Argument<string>("run") { Description = "Run directory (metrics.jsonl, lineage.jsonl, predictions.csv, summary.json)" };
        var output = new Option<string?>("--out") { Description = "Output folder (default: <run>/report)" };
        var cmd = new Command("report", "Write a Markdown + HTML report with SVG charts (loss, AUROC, ROC, population lineage, throughput) for a run.");
        cmd.Arguments.Add(run);
        cmd.Options.Add(output);
        cmd.SetAction(r =>
        {
            var dir = r.GetValue(run)!;
            var outDir = r.GetValue(output) ?? Path.Combine(dir, "report");
            try
            {
                var files = RunReport.Write(dir, outDir);
                Console.WriteLine($"report: {Path.Combine(outDir, "report.md")} and report.html ({files.Count - 2} charts)");
                return ExitCodes.Ok;
            }
            catch (ReportInputException e) { Console.Error.WriteLine($"report: {e.Message}"); return ExitCodes.BadInput; }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException) { Console.Error.WriteLine($"report: {e.Message}"); return ExitCodes.Failure; }
        });
        return cmd;
    }
}
