using System.Diagnostics;
using System.Numerics;

namespace XRayHpc.Mpi.TestApp;

internal static class Scenarios
{
    public static int Run(string[] args)
    {
        var scenario = args.Length > 0 ? args[0] : "hello";
        using var mpi = new MpiEnvironment();
        return MpiEnvironment.RunGuarded(() =>
        {
            StallScenarios.Configure();
            var world = Communicator.world;
            switch (scenario)
            {
                case "hello":
                    Console.WriteLine($"HELLO rank {world.Rank} size {world.Size} thread {mpi.ProvidedThreadLevel} lib {mpi.LibraryVersion.Split('\n')[0]}");
                    world.Barrier();
                    break;
                case "collectives": Collectives(world); break;
                case "throw": ThrowOnLastRank(world); break;
                case "spin": Spin(world, args); break;
                case "signal": StopTogetherOnSignal(world); break;
                case "node": NodeLocal(world); break;
                default:
                    if (!StallScenarios.TryRun(scenario, world, args) && !DataParallelScenarios.TryRun(scenario, world, args))
                        throw new ArgumentException($"unknown scenario '{scenario}'");
                    break;
            }
            Console.WriteLine($"PASS {scenario} rank {world.Rank} size {world.Size}");
            return 0;
        });
    }

    private static void Collectives(Communicator world)
    {
        foreach (var n in new[] { 1, 1000, 300_000 }) // 300k floats = 1.2 MB: past the ring threshold
        {
            AllreduceAllOps<float>(world, n);
            AllreduceAllOps<double>(world, n);
            AllreduceAllOps<int>(world, n);
            AllreduceAllOps<long>(world, n);
        }
        Check.Equal(world.Size * (world.Size - 1) / 2, world.Allreduce(world.Rank, Op.Sum), "scalar int sum");
        Check.Equal((double)world.Size - 1, world.Allreduce((double)world.Rank, Op.Max), "scalar double max");
        Check.Equal(true, world.Any(world.Rank == world.Size - 1), "Any with one true rank");
        Check.Equal(false, world.Any(false), "Any with no true rank");

        Iallreduce(world);
        Broadcasts(world);
        Gathers(world);
        Splits(world);

        // MPI_ERRORS_RETURN: a bad argument surfaces as an exception carrying MPI's text, not a crash.
        Check.Throws<MpiException>(() => world.Bcast(new byte[4], root: world.Size), "root", "Bcast with an invalid root");

        var t0 = Communicator.Wtime();
        world.Barrier();
        Check.That(Communicator.Wtime() >= t0, "Wtime is monotonic");
    }

    /// <summary>Signed small integers: exact in every type, so every op has one right answer.</summary>
    private static void AllreduceAllOps<T>(Communicator world, int n) where T : unmanaged, INumber<T>
    {
        long offset = typeof(T) == typeof(long) || typeof(T) == typeof(double) ? 1L << 40 : 0; // past int range
        long Value(int rank, int i) => (i % 2 == 0 ? 1 : -1) * ((rank + 1L) * (i % 7 + 1) + offset);
        foreach (var op in new[] { Op.Sum, Op.Max, Op.Min })
        {
            var buf = new T[n];
            for (var i = 0; i < n; i++) buf[i] = T.CreateChecked(Value(world.Rank, i));
            world.Allreduce<T>(buf, op);
            for (var i = 0; i < n; i++)
            {
                long expected = Value(0, i);
                for (var r = 1; r < world.Size; r++)
                {
                    var v = Value(r, i);
                    expected = op switch { Op.Sum => expected + v, Op.Max => Math.Max(expected, v), _ => Math.Min(expected, v) };
                }
                if (buf[i] != T.CreateChecked(expected))
                    Check.Equal(T.CreateChecked(expected), buf[i], $"Allreduce<{typeof(T).Name}>[{n}] {op} at {i}");
            }
        }
    }

    private static void Iallreduce(Communicator world)
    {
        // Several requests in flight at once, completed by polling Test and by Wait.
        var arrays = Enumerable.Range(0, 3).Select(k => Enumerable.Repeat((float)(world.Rank + k), 50_000).ToArray()).ToArray();
        var requests = arrays.Select(a => world.Iallreduce(a, Op.Sum)).ToList();
        var deadline = Stopwatch.StartNew();
        while (!requests[0].Test())
            Check.That(deadline.Elapsed < TimeSpan.FromSeconds(20), "Iallreduce completes within 20 s");
        Request.WaitAll(requests);
        var rankSum = world.Size * (world.Size - 1) / 2;
        for (var k = 0; k < 3; k++)
            Check.That(arrays[k].All(x => x == rankSum + k * world.Size), $"Iallreduce result of request {k}");

        using var native = new AlignedBuffer(1 << 20);
        var span = native.AsSpan<double>(0, 1000);
        for (var i = 0; i < span.Length; i++) span[i] = world.Rank * i;
        world.Iallreduce<double>(native.Pointer, 1000, Op.Max).Wait();
        for (var i = 0; i < span.Length; i++) Check.Equal((double)(world.Size - 1) * i, span[i], "native Iallreduce max");
    }

    private static void Broadcasts(Communicator world)
    {
        var root = world.Size - 1;
        var bytes = new byte[100_003];
        if (world.Rank == root) for (var i = 0; i < bytes.Length; i++) bytes[i] = (byte)(i * 31 + 7);
        world.Bcast(bytes, root);
        for (var i = 0; i < bytes.Length; i++) Check.Equal((byte)(i * 31 + 7), bytes[i], "Bcast byte[]");

        var doubles = new double[17];
        if (world.Rank == 0) for (var i = 0; i < doubles.Length; i++) doubles[i] = Math.PI * i;
        world.Bcast<double>(doubles, 0);
        for (var i = 0; i < doubles.Length; i++) Check.Equal(Math.PI * i, doubles[i], "Bcast<double>");

        var arr = world.BcastArray(world.Rank == root ? new long[] { 5, -6, long.MaxValue } : null, root);
        Check.Equal<long>(new long[] { 5, -6, long.MaxValue }, arr, "BcastArray");
        Check.Equal("π rank zero says hi", world.BcastString(world.Rank == 0 ? "π rank zero says hi" : null, 0), "BcastString");
    }

    private static void Gathers(Communicator world)
    {
        var ranksTimesTen = world.Allgather(world.Rank * 10);
        Check.Equal<int>(Enumerable.Range(0, world.Size).Select(r => r * 10).ToArray(), ranksTimesTen, "Allgather<int>");
        var halves = world.Allgather(world.Rank + 0.5);
        Check.Equal<double>(Enumerable.Range(0, world.Size).Select(r => r + 0.5).ToArray(), halves, "Allgather<double>");

        // Rank r contributes r elements: rank 0 contributes none.
        var local = Enumerable.Range(0, world.Rank).Select(j => (float)(world.Rank * 100 + j)).ToArray();
        var all = world.Allgatherv<float>(local);
        Check.Equal(world.Size, all.Length, "Allgatherv rank count");
        for (var r = 0; r < world.Size; r++)
            Check.Equal<float>(Enumerable.Range(0, r).Select(j => (float)(r * 100 + j)).ToArray(), all[r], $"Allgatherv from rank {r}");
    }

    private static void Splits(Communicator world)
    {
        // Population members as contiguous blocks (PBT: member i owns ranks [i*N/P, (i+1)*N/P)).
        var members = world.Size >= 4 ? 2 : 1;
        var perMember = world.Size / members;
        var member = world.Rank / perMember;
        using (var sub = world.Split(member, world.Rank)!)
        {
            Check.Equal(perMember, sub.Size, "member communicator size");
            Check.Equal(world.Rank % perMember, sub.Rank, "member communicator rank");
            var memberRankSum = Enumerable.Range(member * perMember, perMember).Sum();
            Check.Equal(memberRankSum, sub.Allreduce(world.Rank, Op.Sum), "allreduce inside a member");
            var fromFirst = sub.BcastString(sub.Rank == 0 ? $"member {member} root is world rank {world.Rank}" : null, 0);
            Check.Equal($"member {member} root is world rank {member * perMember}", fromFirst, "bcast inside a member");
        }

        // Interleaved colors with reversed keys, and one rank opting out (MPI_UNDEFINED).
        var optOut = world.Size > 1 && world.Rank == world.Size - 1;
        var parity = world.Split(optOut ? -1 : world.Rank % 2, -world.Rank);
        if (optOut)
        {
            Check.That(parity is null, "Split with a negative color returns null");
            return;
        }
        using (parity)
        {
            var same = Enumerable.Range(0, world.Size - (world.Size > 1 ? 1 : 0)).Where(r => r % 2 == world.Rank % 2)
                .OrderByDescending(r => r).ToList();
            Check.Equal(same.Count, parity!.Size, "parity communicator size");
            Check.Equal(same.IndexOf(world.Rank), parity.Rank, "parity communicator rank (ordered by key)");
            var gathered = parity.Allgather(world.Rank);
            Check.Equal<int>(same.ToArray(), gathered, "parity Allgather order");
        }
    }

    /// <summary>The last rank fails at step 5 while the others are already inside the next allreduce.</summary>
    // One node: the shared-memory split must reproduce the world, agree with mpirun's local rank, and the
    // CUDA-aware query must give one answer on every rank.
    private static void NodeLocal(Communicator world)
    {
        var node = NodeLocalRank.Of(world);
        Check.Equal(world.Rank, node.Rank, "node-local rank on a one-node run");
        Check.Equal(world.Size, node.Size, "ranks on the node");
        var aware = world.Allgather(Communicator.CudaAware ? 1 : 0);
        Check.That(aware.All(a => a == aware[0]), "MPIX_Query_cuda_support agrees across ranks");
        Console.WriteLine($"NODE rank {world.Rank} local {node.Rank}/{node.Size} cuda-aware {Communicator.CudaAware}");
    }

    private static void ThrowOnLastRank(Communicator world)
    {
        var buf = new float[1000];
        for (var step = 0; ; step++)
        {
            if (world.Rank == world.Size - 1 && step == 5)
                throw new InvalidOperationException($"deliberate failure on rank {world.Rank} at step {step}");
            world.Allreduce(buf, Op.Sum);
            Check.That(step < 100_000, "the failing rank ended the job");
        }
    }

    /// <summary>Steps until SIGUSR1 reaches any rank; every rank must stop after the same step.</summary>
    private static void StopTogetherOnSignal(Communicator world)
    {
        using var usr1 = new AgreedSignal(AgreedSignal.SIGUSR1);
        var buf = new float[1000];
        for (var step = 0; step < 1_000_000; step++)
        {
            world.Allreduce(buf, Op.Sum);
            if (usr1.RaisedOnAnyRank(world))
            {
                Console.WriteLine($"STOPPED rank {world.Rank} step {step} signalled_here {usr1.RaisedHere}");
                return;
            }
            if (step % 10 == 0) Console.WriteLine($"STEP rank {world.Rank} pid {Environment.ProcessId} step {step}");
        }
        throw new InvalidOperationException("no signal arrived");
    }

    /// <summary>Allreduce loop printing progress, for the kill test; ends by itself only after a
    /// generous number of steps so a broken test cannot spin forever.</summary>
    private static void Spin(Communicator world, string[] args)
    {
        var maxSteps = args.Length > 1 ? int.Parse(args[1]) : 1_000_000;
        var buf = new float[1 << 18];
        for (var step = 0; step < maxSteps; step++)
        {
            world.Allreduce(buf, Op.Sum);
            if (step % 10 == 0) Console.WriteLine($"STEP rank {world.Rank} pid {Environment.ProcessId} step {step}");
        }
    }
}
