using System.Text.Json;
using Spectre.Console;

namespace XRayHpc.Cli.Terminal;

/// <summary>The closing table of `xrayhpc train` (rank 0): best member, its hyperparameters, per-class AUROC, throughput, wall time.</summary>
public static class SummaryTable
{
    public static void Print(string summaryJson, bool enabled)
    {
        if (!enabled || summaryJson.Length == 0) return;
        using var doc = JsonDocument.Parse(summaryJson);
        var r = doc.RootElement;
        var t = new Table().Title("XRayHpc training summary").AddColumn("item").AddColumn("value");
        t.AddRow("best member", r.GetProperty("best_member").ToString());
        t.AddRow("hyperparameters", Markup.Escape(string.Join(", ", r.GetProperty("hyperparameters").EnumerateObject().Select(p => $"{p.Name}={p.Value.GetDouble():G4}"))));
        t.AddRow("val mean AUROC", Fmt(r.GetProperty("val_mean_auroc")));
        t.AddRow("test mean AUROC", Fmt(r.GetProperty("test_mean_auroc")));
        if (r.GetProperty("auroc") is { ValueKind: JsonValueKind.Object } auroc)
            foreach (var p in auroc.EnumerateObject()) t.AddRow($"  test AUROC {Markup.Escape(p.Name)}", Fmt(p.Value));
        if (r.TryGetProperty("checkpoint", out var ck)) t.AddRow("metrics from checkpoint", ck.ValueKind == JsonValueKind.String ? Markup.Escape(ck.GetString()!) : "none (not saved)");
        t.AddRow("images/s (all ranks)", r.GetProperty("images_per_s").ToString());
        if (r.TryGetProperty("allreduce_share", out var share)) t.AddRow("step time in allreduce", $"{share.GetDouble() * 100:F1} %");
        t.AddRow("wall time (s)", r.GetProperty("wall_s").ToString());
        t.AddRow("ranks x threads", $"{r.GetProperty("ranks")} x {r.GetProperty("threads")}");
        AnsiConsole.Write(t);
    }

    static string Fmt(JsonElement e) => e.ValueKind switch
    {
        JsonValueKind.Number => e.GetDouble().ToString("F4"),
        JsonValueKind.Null => "undefined",
        _ => e.ToString(),
    };
}
