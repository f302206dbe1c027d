namespace XRayHpc.Training.Train;

/// <summary>
/// Test hook, off unless XRAYHPC_FAULT_NAN="member:fromStep:toStep" is set: that member's loss is treated as
/// NaN for steps in [from, to), exercising exactly the path a real divergence takes (skip, count, report failed).
/// </summary>
public static class FaultInjection
{
    static readonly (int Member, long From, long To)? Nan = Parse(Environment.GetEnvironmentVariable("XRAYHPC_FAULT_NAN"));

    static (int, long, long)? Parse(string? v)
    {
        var p = v?.Split(':');
        return p is { Length: 3 } && int.TryParse(p[0], out var m) && long.TryParse(p[1], out var a) && long.TryParse(p[2], out var b) ? (m, a, b) : null;
    }

    public static bool NanLoss(int member, long step) => Nan is { } f && f.Member == member && step >= f.From && step < f.To;
}
