using System.Runtime.InteropServices;

namespace XRayHpc.Mpi;

/// <summary>A signal (e.g. SIGUSR1 from Slurm's `--signal=USR1@120`, "checkpoint and requeue") turned into
/// a decision every rank takes at the same step. .NET runs the handler asynchronously, and the launcher
/// may deliver the signal to some ranks only, or at different steps: each rank records it locally and
/// the ranks agree through a collective (a max-allreduce of the flag) at a point all of them reach.
/// The one signal class: the trainer's stop-and-checkpoint (<see cref="CheckpointAndRequeue"/>) and the MPI tests use it.</summary>
public sealed class AgreedSignal : IDisposable
{
    public const int SIGTERM = 15, SIGUSR1 = 10, SIGUSR2 = 12; // Linux numbers; PosixSignal accepts raw values
    private readonly List<PosixSignalRegistration> _registrations = new();
    private volatile int _received;

    /// <summary>Handles the given signals (raw numbers or PosixSignal values) instead of their default
    /// action (which for SIGUSR1 is to terminate the process).</summary>
    public AgreedSignal(params int[] signals)
    {
        if (!OperatingSystem.IsLinux()) return;
        foreach (var s in signals)
            _registrations.Add(PosixSignalRegistration.Create(s == SIGTERM ? PosixSignal.SIGTERM : (PosixSignal)s, Handle));
    }

    /// <summary>SIGTERM (scancel, preemption) and SIGUSR1 (Slurm's warning before the time limit): the trainer's signals.</summary>
    public static AgreedSignal CheckpointAndRequeue() => new(SIGTERM, SIGUSR1);

    private void Handle(PosixSignalContext ctx)
    {
        ctx.Cancel = true; // keep running until the ranks agree at the next collective point
        _received = ctx.Signal == PosixSignal.SIGTERM ? SIGTERM : (int)ctx.Signal;
        Received?.Invoke(_received);
    }

    /// <summary>Called on the signal's thread (log only: act at the next agreed point).</summary>
    public Action<int>? Received { get; set; }

    /// <summary>The Linux number of the last signal this rank saw (0: none).</summary>
    public int Signal => _received;

    /// <summary>Whether this rank has seen the signal (no communication).</summary>
    public bool RaisedHere => _received != 0;

    /// <summary>Collective: true on every rank when any rank has seen the signal.</summary>
    public bool RaisedOnAnyRank(Communicator comm) => comm.Any(RaisedHere);

    public void Dispose()
    {
        foreach (var r in _registrations) r.Dispose();
        _registrations.Clear();
    }
}
