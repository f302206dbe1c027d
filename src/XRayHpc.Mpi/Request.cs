using System.Buffers;

namespace XRayHpc.Mpi;

/// <summary>A nonblocking operation in flight. The buffer stays pinned until Wait (or a successful Test)
/// completes it; disposing an incomplete request waits, because MPI may still be writing the buffer.</summary>
public sealed class Request : IDisposable
{
    private int _handle;
    private MemoryHandle _pin;
    private readonly string _operation;

    internal Request(int handle, MemoryHandle pin, string operation)
    {
        _handle = handle;
        _pin = pin;
        _operation = operation;
    }

    public bool IsCompleted => _handle < 0;

    public void Wait()
    {
        if (_handle < 0) return;
        var rc = Native.xm_wait(_handle);
        Complete();
        Native.Check(rc, _operation + " (wait)");
    }

    /// <summary>True once the operation has finished (and the buffer holds the result).</summary>
    public bool Test()
    {
        if (_handle < 0) return true;
        var rc = Native.xm_test(_handle, out var done);
        if (rc != 0) { Complete(); Native.Check(rc, _operation + " (test)"); }
        if (done != 0) Complete();
        return done != 0;
    }

    private void Complete()
    {
        _handle = -1;
        _pin.Dispose();
        _pin = default;
    }

    public void Dispose() => Wait();

    /// <summary>Waits for every request (in order; MPI progresses them all meanwhile).</summary>
    public static void WaitAll(IEnumerable<Request> requests)
    {
        foreach (var r in requests) r.Wait();
    }
}
