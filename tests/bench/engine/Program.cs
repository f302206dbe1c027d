using System.Globalization;
using XRayHpc.Bench.Engine;

// `make bench-engine` entry: without arguments it is the driver;
// "worker SIZE fp32|bf16 FORMAT BATCH train|infer IN_CHANNELS CLASSES THREADS" is our side of one configuration
// (started by the driver).
if (args.Length >= 9 && args[0] == "worker")
{
    int I(int i) => int.Parse(args[i], CultureInfo.InvariantCulture);
    var cfg = new BenchConfig(I(1), args[2] == "bf16", args[3] == "channels_last", I(4), args[5], I(6), I(7));
    return Worker.Run(cfg, I(8));
}
return Driver.Run();
