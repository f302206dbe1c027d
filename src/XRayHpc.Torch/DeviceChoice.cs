namespace XRayHpc.Torch;

/// <summary>
/// Which device a rank trains on: one GPU per rank, GPU index = node-local rank (so ranks on one node never
/// share a GPU by accident). The rules are a pure function of what the caller observed, so they are unit-tested
/// on CPU; <see cref="ForThisProcess"/> feeds it the shim's answers.
/// </summary>
public static class DeviceChoice
{
    /// <param name="setting">run.device.</param>
    /// <param name="cudaBuilt">The shim was compiled with XRAYHPC_CUDA=ON.</param>
    /// <param name="visibleDevices">CUDA devices this process sees (after CUDA_VISIBLE_DEVICES).</param>
    /// <param name="localRank">Node-local rank (MPI shared-memory split).</param>
    /// <param name="ranksOnNode">Ranks on this node.</param>
    /// <param name="shareDevices">Allow more ranks than GPUs on a node (ranks then share GPUs round-robin; for
    /// tests on a one-GPU machine — it halves each rank's memory and speed).</param>
    public static Device Choose(DeviceSetting setting, bool cudaBuilt, int visibleDevices, int localRank, int ranksOnNode,
                                bool shareDevices = false)
    {
        if (localRank < 0 || ranksOnNode <= 0 || localRank >= ranksOnNode)
            throw new ArgumentOutOfRangeException(nameof(localRank), $"node-local rank {localRank} of {ranksOnNode}");
        if (setting == DeviceSetting.Cpu) return Device.CPU;
        if (setting == DeviceSetting.Auto && (!cudaBuilt || visibleDevices <= 0)) return Device.CPU;
        if (!cudaBuilt)
            throw new TorchException("run.device: cuda, but libxrayhpc_torch was built without CUDA; rebuild it with "
                + "`make native-torch XRAYHPC_CUDA=ON TORCH_DIR=<a CUDA libtorch>`");
        if (visibleDevices <= 0)
            throw new TorchException("run.device: cuda, but no CUDA device is visible to this process "
                + "(check CUDA_VISIBLE_DEVICES and the job's GPU request, e.g. --gpus-per-node)");
        if (ranksOnNode > visibleDevices && !shareDevices)
            throw new TorchException($"{ranksOnNode} ranks on this node but only {visibleDevices} CUDA device(s) visible: "
                + $"one GPU per rank, so start at most {visibleDevices} rank(s) per node (srun --ntasks-per-node={visibleDevices}, "
                + $"mpirun --map-by ppr:{visibleDevices}:node) or request more GPUs");
        return Device.CUDA(localRank % visibleDevices);
    }

    /// <summary>Choose with this process's shim (CUDA build flag, visible device count).</summary>
    public static Device ForThisProcess(DeviceSetting setting, int localRank, int ranksOnNode, bool shareDevices = false)
    {
        bool built = torch.built_with_cuda;
        int visible = built ? torch.cuda.device_count() : 0;
        return Choose(setting, built, visible, localRank, ranksOnNode, shareDevices);
    }
}
