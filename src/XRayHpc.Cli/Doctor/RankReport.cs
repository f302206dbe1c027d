namespace XRayHpc.Cli.Doctor;

/// <summary>One rank's doctor lines and where it ran; ranks send these to each other (JSON) so every rank knows the verdict.</summary>
public sealed record RankReport(int Rank, string Node, List<CheckResult> Results)
{
    public CheckStatus Worst => Results.Count == 0 ? CheckStatus.Ok : Results.Max(r => r.Status);
}
