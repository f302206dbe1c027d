using System.Text;

namespace XRayHpc.Cli.Doctor;

/// <summary>
/// Renders the ranks' reports as one block per node, in plain text (it goes to job logs). Ranks that share a node
/// and agree on a line print it once; a line on which they differ (local rank, a per-rank failure) is printed per rank.
/// </summary>
public static class DoctorReport
{
    public static string Format(IReadOnlyList<RankReport> ranks)
    {
        var sb = new StringBuilder();
        int warn = 0, fail = 0;
        void Line(CheckResult r, string suffix)
        {
            if (r.Status == CheckStatus.Warn) warn++;
            if (r.Status == CheckStatus.Fail) fail++;
            sb.Append($"  {Label(r.Status),-5} {r.Item + suffix,-24} {r.Value}\n");
            if (r.Fix is not null && r.Status != CheckStatus.Ok) sb.Append($"  {"",-5} {"",-24} fix: {r.Fix}\n");
        }
        foreach (var node in ranks.GroupBy(r => r.Node).OrderBy(g => g.Min(r => r.Rank)))
        {
            var members = node.OrderBy(r => r.Rank).ToList();
            sb.Append($"node {node.Key}: rank{(members.Count > 1 ? "s" : "")} {RankList(members.Select(r => r.Rank))}\n");
            var items = members.SelectMany(r => r.Results.Select(x => x.Item)).Distinct().ToList();
            foreach (var item in items)
            {
                var perRank = members.Select(r => (r.Rank, Result: r.Results.FirstOrDefault(x => x.Item == item))).ToList();
                var distinct = perRank.Select(p => p.Result).Distinct().ToList();
                if (distinct.Count == 1 && distinct[0] is { } same) Line(same, "");
                else foreach (var (rank, r) in perRank) if (r is not null) Line(r, $" [rank {rank}]");
            }
        }
        sb.Append($"doctor: {ranks.Count} rank(s) on {ranks.Select(r => r.Node).Distinct().Count()} node(s): " +
                  $"{(fail > 0 ? "FAIL" : warn > 0 ? "ok with warnings" : "ok")} ({warn} warn, {fail} fail)\n");
        return sb.ToString();
    }

    /// <summary>0 when no rank has a fail line, else 1 (the same on every rank, since all see every report).</summary>
    public static int ExitCode(IEnumerable<RankReport> ranks) =>
        ranks.Any(r => r.Worst == CheckStatus.Fail) ? ExitCodes.Failure : ExitCodes.Ok;

    static string Label(CheckStatus s) => s switch { CheckStatus.Ok => "ok", CheckStatus.Warn => "warn", _ => "fail" };

    /// <summary>"0-3,6" from ranks 0,1,2,3,6.</summary>
    public static string RankList(IEnumerable<int> ranks)
    {
        var parts = new List<string>();
        int? start = null, prev = null;
        foreach (var r in ranks.Order())
        {
            if (prev is not null && r == prev + 1) { prev = r; continue; }
            if (start is not null) parts.Add(start == prev ? $"{start}" : $"{start}-{prev}");
            start = prev = r;
        }
        if (start is not null) parts.Add(start == prev ? $"{start}" : $"{start}-{prev}");
        return string.Join(",", parts);
    }
}
