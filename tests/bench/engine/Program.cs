using System.Globalization;
using XRayHpc.Bench.Engine;

// `make bench-engine` entry: without arguments it is the driver; "worker SIZE fp32|bf16 FORMAT BATCH THREADS"
// is our side of one configuration (started by the driver).
if (args.Length >= 6 && args[0] == "worker")
{
    var cfg = new BenchConfig(int.Parse(args[1], CultureInfo.InvariantCulture), args[2] == "bf16",
                              args[3] == "channels_last", int.Parse(args[4], CultureInfo.InvariantCulture));
    return Worker.Run(cfg, int.Parse(args[5], CultureInfo.InvariantCulture));
}
return Driver.Run();
