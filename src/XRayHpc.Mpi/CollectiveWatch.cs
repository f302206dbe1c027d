namespace XRayHpc.Mpi;

/// <summary>The collective timeout of this process's MPI world (native/mpi/collective_watch.c): a collective
/// that has not completed within <see cref="Timeout"/> aborts the whole job with a message naming the
/// operation, the <see cref="Step"/> and the ranks that had not arrived, instead of hanging until the
/// allocation's time limit (a stopped rank, a hung file system). Off by default; the training sets it from
/// `run.collective_timeout`, and evaluate/predict/select from `--collective-timeout` (or the run's
/// setting). Applies to every communicator, including ones split before it was set.</summary>
public static class CollectiveWatch
{
    // XM_ERR_TIMEOUT and XM_ERR_MISMATCH in collective_watch.h.
    internal const int TimeoutCode = 100007, MismatchCode = 100008;

    private static TimeSpan _timeout = System.Threading.Timeout.InfiniteTimeSpan;

    /// <summary>Infinite (or zero/negative) turns the watch off: collectives are plain blocking MPI calls.
    /// On, each blocking collective first waits in a polled 16-byte MPI_Iallreduce (which also finds ranks
    /// that entered different collectives), then runs under a watchdog thread. Set the same value on every rank.</summary>
    public static TimeSpan Timeout
    {
        get => _timeout;
        set
        {
            var seconds = value == System.Threading.Timeout.InfiniteTimeSpan || value <= TimeSpan.Zero ? 0 : value.TotalSeconds;
            Native.Check(WatchNative.xm_set_collective_timeout(seconds), "collective timeout watchdog (pthread_create)");
            _timeout = seconds > 0 ? value : System.Threading.Timeout.InfiniteTimeSpan;
        }
    }

    /// <summary>What `run.collective_timeout` and `--collective-timeout` accept: a finite number of seconds >= 0.</summary>
    public static bool IsValidSeconds(double seconds) => seconds >= 0 && !double.IsInfinity(seconds);

    /// <summary>The timeout in seconds as the configuration and the command line give it: 0 turns the watch off.</summary>
    public static void SetSeconds(double seconds) =>
        Timeout = seconds > 0 ? TimeSpan.FromSeconds(seconds) : System.Threading.Timeout.InfiniteTimeSpan;

    /// <summary>The step this rank is in, named in a timeout's message (negative: outside the steps). Cheap:
    /// one atomic store in the shim.</summary>
    public static long Step
    {
        set => WatchNative.xm_set_collective_step(value);
    }

    /// <summary>A collective timed out or mismatched on this rank: print what the shim found and end the job
    /// (never returns). The other ranks are blocked, so an exception someone might catch and follow with
    /// another collective would hang again.</summary>
    internal static void Abort(string message) => Communicator.world.Abort(1, message);

    private static class WatchNative
    {
        [System.Runtime.InteropServices.DllImport(Native.Lib)] internal static extern int xm_set_collective_timeout(double seconds);
        [System.Runtime.InteropServices.DllImport(Native.Lib)] internal static extern void xm_set_collective_step(long step);
    }
}
