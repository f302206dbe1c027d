using System.Text;
using XRayHpc.Mpi;
using XRayHpc.Torch;
using XRayHpc.Training.Config;

namespace XRayHpc.Training.Train;

/// <summary>
/// The device each rank trains on, resolved once at startup: run.device through <see cref="DeviceChoice"/> (one GPU
/// per rank by node-local rank, <see cref="NodeLocalRank"/>), then the precision rules that depend on the device.
/// A rank that cannot get its device fails the whole job at startup with every rank's reason: a run that asked for
/// a GPU never trains silently on the CPU.
/// </summary>
public static class TrainDevice
{
    /// <summary>This rank's device, agreed collectively: every rank returns, or every rank throws the same
    /// <see cref="ArgumentException"/> (the trainer's startup verdict) listing each failing rank's reason.</summary>
    public static Device ForRank(ExperimentConfig config, Communicator world)
    {
        Device device = Device.CPU;
        string error = "";
        try
        {
            var local = NodeLocalRank.Of(world);
            device = CheckPrecision(config, DeviceChoice.ForThisProcess(config.Run.Device, local.Rank, local.Size, config.Run.ShareDevices));
            // The current device decides where pinned-memory copies and the caching allocator's streams live.
            if (device.type == DeviceType.CUDA) torch.cuda.set_device(device.index);
        }
        catch (Exception e) when (e is TorchException or MpiException or ArgumentException) { error = e.Message; }
        var all = world.Allgatherv<byte>(Encoding.UTF8.GetBytes(error));
        var failed = all.Select((b, r) => (r, Message: Encoding.UTF8.GetString(b))).Where(x => x.Message.Length > 0).ToList();
        if (failed.Count > 0)
            throw new ArgumentException("no device for training:\n  " + string.Join("\n  ", failed.Select(x => $"rank {x.r}: {x.Message}")));
        return device;
    }

    /// <summary>The device for one rank from what it observed (pure: unit-tested without MPI or a GPU).</summary>
    /// <param name="cudaBuilt">The shim was built with XRAYHPC_CUDA=ON.</param>
    /// <param name="visibleDevices">CUDA devices this process sees.</param>
    /// <param name="localRank">Node-local rank.</param>
    /// <param name="ranksOnNode">Ranks on this node.</param>
    public static Device Resolve(ExperimentConfig config, bool cudaBuilt, int visibleDevices, int localRank, int ranksOnNode) =>
        CheckPrecision(config, DeviceChoice.Choose(config.Run.Device, cudaBuilt, visibleDevices, localRank, ranksOnNode, config.Run.ShareDevices));

    /// <summary>The device, unless the configured precision cannot run on it.</summary>
    static Device CheckPrecision(ExperimentConfig config, Device device)
    {
        if (config.Precision.Dtype == PrecisionKind.Fp16 && device.type != DeviceType.CUDA)
            throw new ArgumentException("precision.dtype: " + Fp16OnCpu($"run.device: {ConfigNames.EnumValue(config.Run.Device)} chose the CPU"));
        return device;
    }

    /// <summary>Why fp16 is refused on the CPU (the config check and the startup check say the same).</summary>
    public static string Fp16OnCpu(string why) =>
        $"fp16 needs a CUDA device, but {why} (libtorch has no fp16 autocast on the CPU); use precision.dtype: bf16 or fp32 there";

    /// <summary>The autocast dtype for a forward pass on <paramref name="device"/>: bf16 anywhere, fp16 on CUDA only.
    /// An fp16 run's checkpoint evaluated on a CPU-only node (predict, evaluate, cam) runs in fp32 there.</summary>
    public static ScalarType? Autocast(PrecisionKind dtype, Device device) => dtype switch
    {
        PrecisionKind.Bf16 => ScalarType.BFloat16,
        PrecisionKind.Fp16 when device.type == DeviceType.CUDA => ScalarType.Float16,
        _ => null,
    };
}
