using System.Globalization;
using XRayHpc.Mpi;
using XRayHpc.Mpi.Bench;

// mpirun -np N dotnet XRayHpc.Bench.Allreduce.dll allreduce <bytes> <iterations>
// mpirun -np N dotnet XRayHpc.Bench.Allreduce.dll resnet-step <steps> [image_px] [batch]
// Rank 0 prints one "RESULT ..." line per measurement (seconds), parsed by tests/bench/allreduce.sh.
CultureInfo.DefaultThreadCurrentCulture = CultureInfo.InvariantCulture;
using var mpi = new MpiEnvironment();
return MpiEnvironment.RunGuarded(() =>
{
    var world = Communicator.world;
    // The collective watch (run.collective_timeout) on or off, to measure what it costs.
    if (double.TryParse(Environment.GetEnvironmentVariable("XRAYHPC_BENCH_COLLECTIVE_TIMEOUT"), out var watchSeconds) && watchSeconds > 0)
        CollectiveWatch.Timeout = TimeSpan.FromSeconds(watchSeconds);
    switch (args[0])
    {
        case "allreduce": AllreduceTiming.Run(world, long.Parse(args[1]), int.Parse(args[2])); break;
        case "resnet-step": ResNetStep.Run(world, int.Parse(args[1]), args.Length > 2 ? int.Parse(args[2]) : 128,
            args.Length > 3 ? int.Parse(args[3]) : 16); break;
        default: throw new ArgumentException($"unknown mode {args[0]}");
    }
    return 0;
});
