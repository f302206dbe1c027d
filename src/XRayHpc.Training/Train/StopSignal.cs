using System.Runtime.InteropServices;

namespace XRayHpc.Training.Train;

/// <summary>
/// SIGUSR1 / SIGTERM set a flag; the trainer acts on it only at a step boundary and only after all ranks
/// agreed through an allreduce (the handler runs on its own thread, at a different moment on each rank).
/// </summary>
public sealed class StopSignal : IDisposable
{
    const int SIGUSR1 = 10; // Linux numbering; PosixSignal has no named member for it
    readonly List<PosixSignalRegistration> _registrations = new();
    volatile int _received;

    public bool Requested => _received != 0;
    /// <summary>Called on the signal's thread (log only: the trainer acts at the next agreed step boundary).</summary>
    public Action<int>? Received { get; set; }
    public int Signal => _received;

    public StopSignal()
    {
        if (!OperatingSystem.IsLinux()) return;
        _registrations.Add(PosixSignalRegistration.Create(PosixSignal.SIGTERM, Handle));
        _registrations.Add(PosixSignalRegistration.Create((PosixSignal)SIGUSR1, Handle));
    }

    void Handle(PosixSignalContext ctx)
    {
        _received = ctx.Signal == PosixSignal.SIGTERM ? 15 : SIGUSR1;
        ctx.Cancel = true; // keep running until the next step boundary
        Received?.Invoke(_received);
    }

    public void Dispose()
    {
        foreach (var r in _registrations) r.Dispose();
    }
}
