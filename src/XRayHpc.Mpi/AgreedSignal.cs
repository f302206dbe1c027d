using System.Runtime.InteropServices;

namespace XRayHpc.Mpi;

/// <summary>A signal (e.g. SIGUSR1 from Slurm's `--signal=USR1@120`, "checkpoint and requeue") turned into
/// a decision every rank takes at the same step. .NET runs the handler asynchronously, and the launcher
/// may deliver the signal to some ranks only, or at different steps: each rank records it locally and
/// the ranks agree through a collective (a max-allreduce of the flag) at a point all of them reach.</summary>
public sealed class AgreedSignal : IDisposable
{
    public const int SIGUSR1 = 10, SIGUSR2 = 12; // Linux numbers; PosixSignal accepts raw values
    private readonly List<PosixSignalRegistration> _registrations = new();
    private volatile bool _raised;

    /// <summary>Handles the given signals (raw numbers or PosixSignal values) instead of their default
    /// action (which for SIGUSR1 is to terminate the process).</summary>
    public AgreedSignal(params int[] signals)
    {
        foreach (var s in signals)
            _registrations.Add(PosixSignalRegistration.Create((PosixSignal)s, ctx =>
            {
                ctx.Cancel = true;
                _raised = true;
            }));
    }

    /// <summary>Whether this rank has seen the signal (no communication).</summary>
    public bool RaisedHere => _raised;

    /// <summary>Collective: true on every rank when any rank has seen the signal.</summary>
    public bool RaisedOnAnyRank(Communicator comm) => comm.Any(_raised);

    public void Dispose()
    {
        foreach (var r in _registrations) r.Dispose();
        _registrations.Clear();
    }
}
