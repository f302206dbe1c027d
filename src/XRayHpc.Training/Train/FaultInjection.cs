namespace XRayHpc.Training.Train;

/// <summary>
/// Test hooks, off unless their variable is set:
/// XRAYHPC_FAULT_NAN="member:fromStep:toStep": that member's loss is treated as NaN for steps in [from, to),
/// exercising exactly the path a real divergence takes (skip, count, report failed).
/// XRAYHPC_FAULT_CHECKPOINT="step:attempts": the first <c>attempts</c> writes of the checkpoint at that step
/// fail with an I/O error, as a full or flaky file system makes them (the retry and failure paths).
/// </summary>
public static class FaultInjection
{
    static readonly (int Member, long From, long To)? Nan = Parse(Environment.GetEnvironmentVariable("XRAYHPC_FAULT_NAN"));
    static readonly (long Step, int Attempts)? Checkpoint = ParseCheckpoint(Environment.GetEnvironmentVariable("XRAYHPC_FAULT_CHECKPOINT"));

    static (int, long, long)? Parse(string? v)
    {
        var p = v?.Split(':');
        return p is { Length: 3 } && int.TryParse(p[0], out var m) && long.TryParse(p[1], out var a) && long.TryParse(p[2], out var b) ? (m, a, b) : null;
    }

    static (long, int)? ParseCheckpoint(string? v)
    {
        var p = v?.Split(':');
        return p is { Length: 2 } && long.TryParse(p[0], out var s) && int.TryParse(p[1], out var n) ? (s, n) : null;
    }

    public static bool NanLoss(int member, long step) => Nan is { } f && f.Member == member && step >= f.From && step < f.To;

    /// <summary>Throws the I/O error a full disk gives when the hook says attempt <paramref name="attempt"/> (0-based) at this step fails.</summary>
    public static void CheckpointWrite(long step, int attempt)
    {
        if (Checkpoint is { } f && f.Step == step && attempt < f.Attempts)
            throw new IOException($"injected fault (XRAYHPC_FAULT_CHECKPOINT): no space left on device, attempt {attempt + 1} at step {step}");
    }
}
