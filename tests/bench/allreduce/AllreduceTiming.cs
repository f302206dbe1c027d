namespace XRayHpc.Mpi.Bench;

/// <summary>In-place float sum allreduce of one reused 2 MiB-aligned buffer (what DataParallel's
/// buckets are), timed per iteration after a barrier; the mpi4py side does the same with a reused
/// numpy array (allreduce_mpi4py.py).</summary>
internal static class AllreduceTiming
{
    public static void Run(Communicator world, long bytes, int iterations)
    {
        var count = Math.Max(1, bytes / sizeof(float));
        using var buffer = new AlignedBuffer(count * sizeof(float));
        var warmup = Math.Max(2, iterations / 5);
        var times = new List<double>();
        for (var i = 0; i < warmup + iterations; i++)
        {
            world.Barrier();
            var t0 = Communicator.Wtime();
            world.Allreduce<float>(buffer.Pointer, count, Op.Sum);
            var t = Communicator.Wtime() - t0;
            t = world.Allreduce(t, Op.Max); // the slowest rank's view: when the collective is done everywhere
            if (i >= warmup) times.Add(t);
        }
        if (world.Rank == 0)
            Console.WriteLine($"RESULT impl=ours bytes={count * sizeof(float)} ranks={world.Size} times={string.Join(',', times.Select(t => t.ToString("R")))}");
    }
}
