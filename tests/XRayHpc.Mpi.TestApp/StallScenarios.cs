using System.Runtime.InteropServices;

namespace XRayHpc.Mpi.TestApp;

/// <summary>Scenarios for the collective timeout (CollectiveWatch), set from XRAYHPC_TEST_COLLECTIVE_TIMEOUT (seconds).</summary>
internal static class StallScenarios
{
    public const string TimeoutVariable = "XRAYHPC_TEST_COLLECTIVE_TIMEOUT";
    private const int SIGSTOP = 19; // Linux

    [DllImport("libc", SetLastError = true)]
    private static extern int kill(int pid, int sig);

    /// <summary>Called before any scenario: the watch is on only when the test asks for it.</summary>
    public static void Configure()
    {
        if (double.TryParse(Environment.GetEnvironmentVariable(TimeoutVariable), System.Globalization.CultureInfo.InvariantCulture, out var s))
            CollectiveWatch.Timeout = TimeSpan.FromSeconds(s);
    }

    public static bool TryRun(string scenario, Communicator world, string[] args)
    {
        switch (scenario)
        {
            case "stall": SelfStop(world, int.Parse(args[1])); return true;
            case "diverge": Diverge(world); return true;
            default: return false;
        }
    }

    /// <summary>The last rank stops itself (SIGSTOP, as a hung NFS read leaves a process) between two
    /// collectives at the given step, so the others are certain to wait for it in the next one.</summary>
    private static void SelfStop(Communicator world, int stopAt)
    {
        var buf = new float[1000];
        for (var step = 0; step < 1_000_000; step++)
        {
            CollectiveWatch.Step = step;
            world.Allreduce(buf, Op.Sum);
            if (step == stopAt && world.Rank == world.Size - 1)
            {
                Console.WriteLine($"STALLING rank {world.Rank} pid {Environment.ProcessId} step {step}");
                Console.Out.Flush();
                if (kill(Environment.ProcessId, SIGSTOP) != 0) throw new InvalidOperationException($"kill(SIGSTOP) failed: errno {Marshal.GetLastPInvokeError()}");
            }
            if (step % 10 == 0) Console.WriteLine($"STEP rank {world.Rank} pid {Environment.ProcessId} step {step}");
        }
        throw new InvalidOperationException("the stalled rank never stopped the job");
    }

    /// <summary>Rank 0 enters an allreduce while the others enter a broadcast: a bug the arrival check names.</summary>
    private static void Diverge(Communicator world)
    {
        CollectiveWatch.Step = 3;
        var buf = new float[16];
        if (world.Rank == 0) world.Allreduce(buf, Op.Sum);
        else world.Bcast<float>(buf, 0);
        throw new InvalidOperationException("diverged collectives returned");
    }
}
