namespace XRayHpc.Training.Train;

/// <summary>
/// Test hooks, off unless their variable is set:
/// XRAYHPC_FAULT_NAN="member:fromStep:toStep": that member's loss is treated as NaN for steps in [from, to),
/// exercising exactly the path a real divergence takes (skip, count, report failed).
/// XRAYHPC_FAULT_INF_GRAD="member:fromStep:toStep": after backward, the first trainable gradient on that member's first
/// rank holds +inf, as an fp16 overflow in one rank's batch leaves it; the allreduce carries it to the member's other
/// ranks. With loss scaling on, the scaler must skip and count the step on every rank (precision.loss_scaling: true
/// runs that path on a CPU). Without loss scaling nothing guards against it.
/// XRAYHPC_FAULT_CHECKPOINT="step:attempts": the first <c>attempts</c> writes of the checkpoint at that step
/// fail with an I/O error, as a full or flaky file system makes them (the retry and failure paths).
/// XRAYHPC_FAULT_SIGNAL_EXPLOIT="worldRank:signal": that rank sends itself the signal in the middle of the first PBT
/// exploit it takes part in (after the weights were copied, before the exploit is recorded), so a pre-emption
/// signal lands exactly there.
/// XRAYHPC_FAULT_STOP_INFERENCE="worldRank": in evaluate/predict, that rank stops itself (SIGSTOP, as a hung file
/// system leaves a process) after loading the model, before the scores are gathered.
/// </summary>
public static partial class FaultInjection
{
    static readonly (int Member, long From, long To)? Nan = Parse(Environment.GetEnvironmentVariable("XRAYHPC_FAULT_NAN"));
    static readonly (int Member, long From, long To)? InfGrad = Parse(Environment.GetEnvironmentVariable("XRAYHPC_FAULT_INF_GRAD"));
    static readonly (long Step, int Attempts)? Checkpoint = ParseCheckpoint(Environment.GetEnvironmentVariable("XRAYHPC_FAULT_CHECKPOINT"));
    static readonly (long Rank, int Signal)? ExploitSignal = ParseCheckpoint(Environment.GetEnvironmentVariable("XRAYHPC_FAULT_SIGNAL_EXPLOIT"));
    static readonly int? StopRank = int.TryParse(Environment.GetEnvironmentVariable("XRAYHPC_FAULT_STOP_INFERENCE"), out var r) ? r : null;
    static int _exploitSignalled;

    [System.Runtime.InteropServices.LibraryImport("libc", EntryPoint = "kill")]
    private static partial int Kill(int pid, int signal);

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

    /// <summary>Overwrites the first trainable gradient with +inf when the hook says so for this member and step.</summary>
    public static void InfGradient(int member, int memberRank, long step, XRayHpc.Torch.nn.Module net)
    {
        if (InfGrad is not { } f || f.Member != member || memberRank != 0 || step < f.From || step >= f.To) return;
        var grad = net.parameters().First(p => p.requires_grad).grad;
        using (XRayHpc.Torch.torch.no_grad()) grad?.fill_(double.PositiveInfinity);
    }

    /// <summary>Throws the I/O error a full disk gives when the hook says attempt <paramref name="attempt"/> (0-based) at this step fails.</summary>
    public static void CheckpointWrite(long step, int attempt)
    {
        if (Checkpoint is { } f && f.Step == step && attempt < f.Attempts)
            throw new IOException($"injected fault (XRAYHPC_FAULT_CHECKPOINT): no space left on device, attempt {attempt + 1} at step {step}");
    }

    /// <summary>Sends this process the configured signal once, when this world rank takes part in a PBT exploit.</summary>
    public static void DuringExploit(int worldRank)
    {
        if (ExploitSignal is { } f && f.Rank == worldRank && Interlocked.Exchange(ref _exploitSignalled, 1) == 0)
            Kill(Environment.ProcessId, f.Signal);
    }

    /// <summary>Stops this process (SIGSTOP) when the hook names this world rank: the collective watch must end the job.</summary>
    public static void StopBeforeInference(int worldRank)
    {
        const int SIGSTOP = 19;
        if (StopRank == worldRank) Kill(Environment.ProcessId, SIGSTOP);
    }
}
