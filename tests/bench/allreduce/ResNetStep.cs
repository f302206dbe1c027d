using XRayHpc.Distributed;
using XRayHpc.Torch;
using XRayHpc.Torch.optim;
using F = XRayHpc.Torch.nn.functional;

namespace XRayHpc.Mpi.Bench;

/// <summary>Data-parallel ResNet-18 training steps (1 input channel, 14 classes as the X-ray models,
/// bf16 autocast, channels_last, SGD momentum) on synthetic batches; reports per step the compute
/// (forward + backward), the wait for the slowest rank (barrier, so skew is not billed to the exchange),
/// the gradient exchange (SynchronizeGradients) and the optimizer step.</summary>
internal static class ResNetStep
{
    public static void Run(Communicator world, int steps, int px, int batch)
    {
        torch.set_num_threads(Math.Max(1, Environment.ProcessorCount / world.Size));
        torch.manual_seed(1);
        using var model = XRayHpc.Models.ResNet.resnet18(14, 1);
        model.to(MemoryFormat.ChannelsLast);
        var overlap = Environment.GetEnvironmentVariable("XRAYHPC_BENCH_OVERLAP") != "0";
        using var dp = new DataParallel(model, world, new DataParallelOptions { Overlap = overlap });
        using var opt = new SGD(model.parameters(), lr: 0.01, momentum: 0.9);
        var gradBytes = dp.GradientElements * sizeof(float);
        for (var step = 0; step < steps + 2; step++)
        {
            using var scope = torch.NewDisposeScope();
            using var x = torch.randn(new long[] { batch, 1, px, px }).contiguous(MemoryFormat.ChannelsLast);
            using var y = torch.randint(0, 2, new long[] { batch, 14 }).to(ScalarType.Float32);
            var t0 = Communicator.Wtime();
            opt.zero_grad();
            using (torch.autocast(ScalarType.BFloat16))
            {
                var logits = model.forward(x);
                var loss = F.binary_cross_entropy_with_logits(logits.to(ScalarType.Float32), y);
                loss.backward();
            }
            var t1 = Communicator.Wtime();
            world.Barrier();
            var t2 = Communicator.Wtime();
            dp.SynchronizeGradients(batch);
            var t3 = Communicator.Wtime();
            opt.step();
            var t4 = Communicator.Wtime();
            if (step < 2) continue; // warm-up: allocator, autocast caches, first touches
            var compute = world.Allreduce(t1 - t0, Op.Max);
            var skew = world.Allreduce(t2 - t1, Op.Max);
            var exchange = world.Allreduce(t3 - t2, Op.Max);
            var optimizer = world.Allreduce(t4 - t3, Op.Max);
            var (pack, comm, unpack) = dp.LastBreakdownSeconds;
            pack = world.Allreduce(pack, Op.Max);
            comm = world.Allreduce(comm, Op.Max);
            unpack = world.Allreduce(unpack, Op.Max);
            if (world.Rank == 0)
                Console.WriteLine($"RESULT impl=resnet18 ranks={world.Size} px={px} batch={batch} grad_bytes={gradBytes} buckets={dp.BucketCount} overlap={overlap} " +
                                  $"watch={(CollectiveWatch.Timeout > TimeSpan.Zero ? "on" : "off")} " +
                                  $"compute={compute:R} skew={skew:R} exchange={exchange:R} optimizer={optimizer:R} pack={pack:R} mpi={comm:R} unpack={unpack:R}");
        }
    }
}
