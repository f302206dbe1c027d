using XRayHpc.Torch;
using XRayHpc.Training.Config;
using XRayHpc.Training.Train;

namespace XRayHpc.Training.Tests;

/// <summary>
/// run.device and precision.dtype as the trainer resolves them (<see cref="TrainDevice"/>): the rules are fed what a
/// rank observed (CUDA build, visible GPUs, node-local rank), so every case a GPU cluster meets runs on this CPU.
/// The bare device choice itself is tested in XRayHpc.Torch.Tests (DeviceChoiceTests); these are the config's.
/// </summary>
public class TrainDeviceTests
{
    const string Minimal = "run:\n  dir: runs/t\ndata:\n  cache: cache/t\n";

    static ExperimentConfig Config(params string[] overrides) => ConfigLoader.Load(Minimal, "experiment.yaml", overrides);

    [Fact]
    public void RunDevice_IsReadFromTheConfig_DefaultAuto_AndUnknownValuesAreRefused()
    {
        Assert.Equal(DeviceSetting.Auto, Config().Run.Device);
        Assert.Equal(DeviceSetting.Cuda, Config("run.device=cuda").Run.Device);
        Assert.Equal(DeviceSetting.Cpu, Config("run.device=cpu").Run.Device);
        var e = Assert.Throws<ConfigException>(() => Config("run.device=gpu"));
        Assert.Contains(e.Problems, p => p.KeyPath == "run.device");
    }

    [Theory]
    [InlineData(false, 0)] // this machine: a shim without CUDA
    [InlineData(true, 0)]  // a CUDA build on a node without a visible GPU
    public void Auto_WithoutAUsableGpu_IsTheCpu(bool cudaBuilt, int visible)
    {
        Assert.Equal(Device.CPU, TrainDevice.Resolve(Config(), cudaBuilt, visible, localRank: 0, ranksOnNode: 1));
    }

    [Fact]
    public void Auto_OnThisMachine_IsTheCpu()
    {
        // The shim this test runs against: no GPU here, so auto must not pick one (and must not fail).
        var expected = torch.built_with_cuda && torch.cuda.device_count() > 0 ? Device.CUDA(0) : Device.CPU;
        Assert.Equal(expected, DeviceChoice.ForThisProcess(Config().Run.Device, 0, 1));
    }

    [Theory]
    [InlineData("auto")]
    [InlineData("cuda")]
    public void FourRanksOnANodeWithFourGpus_EachGetsItsOwnByNodeLocalRank(string setting)
    {
        var cfg = Config($"run.device={setting}");
        var devices = Enumerable.Range(0, 4).Select(r => TrainDevice.Resolve(cfg, true, 4, localRank: r, ranksOnNode: 4)).ToList();
        Assert.Equal([Device.CUDA(0), Device.CUDA(1), Device.CUDA(2), Device.CUDA(3)], devices);
    }

    [Fact]
    public void MoreRanksThanGpus_IsAnErrorNamingRanksPerNodeAndVisibleDevices_UnlessSharingIsAsked()
    {
        var e = Assert.Throws<TorchException>(() => TrainDevice.Resolve(Config("run.device=cuda"), true, 2, localRank: 3, ranksOnNode: 4));
        Assert.Contains("4 ranks on this node but only 2 CUDA device(s) visible", e.Message);
        Assert.Contains("--ntasks-per-node=2", e.Message);
        // run.share_devices: the 2-ranks-on-one-GPU test of tests/gpu/run.sh.
        var shared = Config("run.device=cuda", "run.share_devices=true");
        Assert.Equal([Device.CUDA(0), Device.CUDA(0)], Enumerable.Range(0, 2).Select(r => TrainDevice.Resolve(shared, true, 1, r, 2)).ToList());
    }

    [Fact]
    public void Cuda_OnAShimWithoutCuda_OrWithoutAVisibleGpu_IsAnError_NotACpuRun()
    {
        var cfg = Config("run.device=cuda");
        Assert.Contains("built without CUDA", Assert.Throws<TorchException>(() => TrainDevice.Resolve(cfg, false, 0, 0, 1)).Message);
        Assert.Contains("no CUDA device is visible", Assert.Throws<TorchException>(() => TrainDevice.Resolve(cfg, true, 0, 0, 1)).Message);
    }

    [Fact]
    public void Fp16_OnACpuDevice_IsRefused_NamingTheKey()
    {
        // Explicit run.device: cpu: a config error, before anything starts.
        var e = Assert.Throws<ConfigException>(() => Config("precision.dtype=fp16", "run.device=cpu"));
        var p = Assert.Single(e.Problems);
        Assert.Equal("precision.dtype", p.KeyPath);
        Assert.Contains("fp16 needs a CUDA device", p.Reason);
        // auto that resolves to the CPU: refused at startup, naming both keys.
        var auto = Config("precision.dtype=fp16");
        var s = Assert.Throws<ArgumentException>(() => TrainDevice.Resolve(auto, false, 0, 0, 1));
        Assert.StartsWith("precision.dtype: fp16 needs a CUDA device, but run.device: auto chose the CPU", s.Message);
        // With a GPU it is accepted.
        Assert.Equal(Device.CUDA(1), TrainDevice.Resolve(auto, true, 2, 1, 2));
    }

    [Fact]
    public void Autocast_Bf16Anywhere_Fp16OnlyOnCuda_Fp32Never()
    {
        Assert.Null(TrainDevice.Autocast(PrecisionKind.Fp32, Device.CPU));
        Assert.Null(TrainDevice.Autocast(PrecisionKind.Fp32, Device.CUDA(0)));
        Assert.Equal(ScalarType.BFloat16, TrainDevice.Autocast(PrecisionKind.Bf16, Device.CPU));
        Assert.Equal(ScalarType.BFloat16, TrainDevice.Autocast(PrecisionKind.Bf16, Device.CUDA(0)));
        Assert.Equal(ScalarType.Float16, TrainDevice.Autocast(PrecisionKind.Fp16, Device.CUDA(0)));
        // An fp16 run's checkpoint evaluated on a CPU-only node (predict, evaluate, cam): fp32 there.
        Assert.Null(TrainDevice.Autocast(PrecisionKind.Fp16, Device.CPU));
    }

    [Fact]
    public void LossScaling_IsOnForFp16_AndWhenAsked()
    {
        Assert.False(Config().Precision.Scaled);
        Assert.True(Config("precision.dtype=fp16").Precision.Scaled);
        Assert.True(Config("precision.loss_scaling=true").Precision.Scaled);
    }

    [Fact]
    public void Resume_MayChangeTheDevice_NotThePrecision()
    {
        // Checkpoints hold CPU tensors whatever wrote them: a GPU run may continue on the CPU and back.
        Assert.Empty(ResumeCompatibility.Differences(Config("run.device=cuda", "precision.dtype=bf16"), Config("run.device=cpu", "precision.dtype=bf16")));
        Assert.Empty(ResumeCompatibility.Differences(Config("run.share_devices=true"), Config()));
        Assert.Equal(["precision.dtype: bf16 -> fp32"], ResumeCompatibility.Differences(Config("precision.dtype=bf16"), Config()));
    }
}
