namespace XRayHpc.Cli.Doctor;

/// <summary>One line of `xrayhpc doctor`: what was found (<see cref="Value"/>) and, unless it is ok, the fix.</summary>
public sealed record CheckResult(string Item, CheckStatus Status, string Value, string? Fix = null)
{
    public static CheckResult Ok(string item, string value) => new(item, CheckStatus.Ok, value);
    public static CheckResult Warn(string item, string value, string fix) => new(item, CheckStatus.Warn, value, fix);
    public static CheckResult Fail(string item, string value, string fix) => new(item, CheckStatus.Fail, value, fix);
}
