using XRayHpc.Torch;
using Xunit;

namespace XRayHpc.Torch.Tests;

/// <summary>Device selection rules (run.device) on a CPU machine: the CUDA outcomes are decided from the
/// observed facts passed in, so every branch is exercised without a GPU.</summary>
public class DeviceChoiceTests
{
    [Fact]
    public void CpuSettingIsCpuWhateverIsAvailable()
    {
        Assert.Equal(Device.CPU, DeviceChoice.Choose(DeviceSetting.Cpu, cudaBuilt: true, visibleDevices: 8, localRank: 3, ranksOnNode: 4));
    }

    [Theory]
    [InlineData(false, 4)]  // shim without CUDA
    [InlineData(true, 0)]   // CUDA shim, no GPU visible
    public void AutoFallsBackToCpuWithoutACudaShimOrDevice(bool built, int visible)
    {
        Assert.Equal(Device.CPU, DeviceChoice.Choose(DeviceSetting.Auto, built, visible, 0, 1));
    }

    [Theory]
    [InlineData(DeviceSetting.Auto)]
    [InlineData(DeviceSetting.Cuda)]
    public void OneGpuPerRankByNodeLocalRank(DeviceSetting setting)
    {
        for (int local = 0; local < 4; local++)
            Assert.Equal(Device.CUDA(local), DeviceChoice.Choose(setting, true, visibleDevices: 4, localRank: local, ranksOnNode: 4));
        // Fewer ranks than GPUs: ranks still take GPUs 0..n-1.
        Assert.Equal(Device.CUDA(1), DeviceChoice.Choose(setting, true, visibleDevices: 8, localRank: 1, ranksOnNode: 2));
    }

    [Theory]
    [InlineData(DeviceSetting.Auto)]
    [InlineData(DeviceSetting.Cuda)]
    public void MoreRanksThanGpusOnANodeIsAClearError(DeviceSetting setting)
    {
        var e = Assert.Throws<TorchException>(() => DeviceChoice.Choose(setting, true, visibleDevices: 2, localRank: 0, ranksOnNode: 3));
        Assert.Contains("3 ranks on this node but only 2 CUDA device(s)", e.Message);
        Assert.Contains("--ntasks-per-node=2", e.Message);
    }

    [Fact]
    public void SharingIsOnlyOnRequestAndRoundRobin()
    {
        Assert.Equal(Device.CUDA(0), DeviceChoice.Choose(DeviceSetting.Cuda, true, 1, localRank: 1, ranksOnNode: 2, shareDevices: true));
        Assert.Equal(Device.CUDA(1), DeviceChoice.Choose(DeviceSetting.Cuda, true, 2, localRank: 3, ranksOnNode: 4, shareDevices: true));
    }

    [Fact]
    public void CudaSettingWithoutCudaIsRefusedSayingWhatToDo()
    {
        var notBuilt = Assert.Throws<TorchException>(() => DeviceChoice.Choose(DeviceSetting.Cuda, false, 0, 0, 1));
        Assert.Contains("XRAYHPC_CUDA=ON", notBuilt.Message);
        var noDevice = Assert.Throws<TorchException>(() => DeviceChoice.Choose(DeviceSetting.Cuda, true, 0, 0, 1));
        Assert.Contains("CUDA_VISIBLE_DEVICES", noDevice.Message);
    }

    [Fact]
    public void ThisProcessResolvesAutoFromTheShimsAnswers()
    {
        // CPU build (every machine without a GPU): auto is CPU; a CUDA build with a GPU: rank 0 gets cuda:0.
        bool gpu = torch.built_with_cuda && torch.cuda.device_count() > 0;
        Assert.Equal(gpu ? Device.CUDA(0) : Device.CPU, DeviceChoice.ForThisProcess(DeviceSetting.Auto, 0, 1));
    }

    [Fact]
    public void InvalidLocalRankIsRejected()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => DeviceChoice.Choose(DeviceSetting.Cpu, false, 0, localRank: 2, ranksOnNode: 2));
    }
}
