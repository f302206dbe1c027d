using System.Diagnostics;
using XRayHpc.Torch;
using Xunit;

namespace XRayHpc.Torch.Tests;

public class EngineRuntimeTests
{
    private static string ShimPath() => Path.Combine(AppContext.BaseDirectory, "libxrayhpc_torch.so");

    /// <summary>Loads the shim into a fresh /usr/bin/python3 via ctypes and asks whether it tuned malloc.</summary>
    private static string ChildMallocTuning(string? env)
    {
        var psi = new ProcessStartInfo(ExternalTool.Resolve("python3")) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        psi.ArgumentList.Add("-c");
        psi.ArgumentList.Add($"import ctypes; print(ctypes.CDLL('{ShimPath()}').xt_malloc_tuning_active())");
        psi.Environment.Remove("XRAYHPC_MALLOC_TUNING");
        if (env != null) psi.Environment["XRAYHPC_MALLOC_TUNING"] = env;
        using var p = Process.Start(psi)!;
        var err = p.StandardError.ReadToEndAsync();
        var stdout = p.StandardOutput.ReadToEndAsync();
        if (!p.WaitForExit(60_000)) { p.Kill(true); Assert.Fail("python child did not exit within 60 s"); }
        var output = stdout.Result.Trim();
        Assert.True(p.ExitCode == 0, err.Result);
        return output;
    }

    [Fact]
    public void MallocTuningIsOnByDefaultAndOffWithTheEnvironmentSwitch()
    {
        if (Environment.GetEnvironmentVariable("XRAYHPC_MALLOC_TUNING") != "0")
            Assert.True(torch.malloc_tuning_active);
        Assert.Equal("1", ChildMallocTuning(null));
        Assert.Equal("0", ChildMallocTuning("0"));
    }

    [Fact]
    public void VersionAndDevicesAreReported()
    {
        // Any supported libtorch (1.13 on Debian 12, 2.6 on Debian 13): "major.minor.patch", at least 1.13.
        var v = Version.Parse(torch.version.Split('+')[0]);
        Assert.True(v >= new Version(1, 13), $"libtorch {torch.version}");
        Assert.Equal(TorchBuild.Built, torch.version);
        // Debian's libtorch is CPU-only; the CUDA branch is compile-time (XRAYHPC_CUDA) and must say so.
        if (!torch.built_with_cuda)
        {
            var e = Assert.Throws<TorchException>(() => torch.autocast(ScalarType.Float16, Device.CUDA()));
            Assert.Contains("XRAYHPC_CUDA", e.Message);
        }
        if (!torch.cuda_is_available())
        {
            using var t = torch.ones(new long[] { 1 });
            Assert.Throws<TorchException>(() => t.to(Device.CUDA(0)));
            Assert.Equal(0, torch.cuda.device_count());
        }
        Assert.False(torch.is_autocast_cpu_enabled());
    }

    [Fact]
    public void ViewsAndIndexingOps()
    {
        using var scope = torch.NewDisposeScope();
        var a = torch.arange(0, 12, 1, ScalarType.Float32).reshape(3, 4);
        Assert.Equal(new float[] { 4, 5, 6, 7 }, a.select(0, 1).ToArray<float>());
        Assert.Equal(new float[] { 1, 2, 5, 6, 9, 10 }, a.narrow(1, 1, 2).ToArray<float>());
        Assert.Equal(new float[] { 0, 4, 8, 1, 5, 9, 2, 6, 10, 3, 7, 11 }, a.t().ToArray<float>());
        Assert.False(a.t().is_contiguous());
        Assert.True(a.t().contiguous().is_contiguous());
        Assert.Equal(new float[] { 8, 9, 10, 11, 0, 1, 2, 3 }, a.index_select(0, torch.tensor(new long[] { 2, 0 })).ToArray<float>());
        Assert.Equal(new long[] { 3, 1, 4 }, a.unsqueeze(1).shape);
        Assert.Equal(new long[] { 3, 4 }, a.unsqueeze(1).squeeze().shape);
        Assert.Equal(new long[] { 12 }, a.flatten().shape);
        var v = a.view(4, 3);
        v.fill_(1);                       // a view writes through
        Assert.Equal(12.0, a.sum().item<double>());
        Assert.True(v.is_alias_of(a));

        var s = torch.stack(new[] { torch.ones(new long[] { 2 }), torch.zeros(new long[] { 2 }) }, 1);
        Assert.Equal(new long[] { 2, 2 }, s.shape);
        Assert.Equal(new float[] { 1, 0, 1, 0 }, s.ToArray<float>());
        var x = torch.tensor(new float[] { 3, -1, 7, 2 });
        var (vals, idx) = x.topk(2);
        Assert.Equal(new float[] { 7, 3 }, vals.ToArray<float>());
        Assert.Equal(new long[] { 2, 0 }, idx.ToArray<long>());
        Assert.Equal(new float[] { -1, 2, 3, 7 }, x.sort().values.ToArray<float>());
        Assert.Equal(new float[] { 0, -1, 0, 2 }, torch.where(x.gt(2), torch.zeros(new long[] { 4 }), x).ToArray<float>());
        Assert.Equal(new float[] { 7, 3 }, x.gather(0, torch.tensor(new long[] { 2, 0 })).ToArray<float>());
        Assert.Equal(new long[] { 0, 1, 0, 0, 0, 1 }, torch.tensor(new long[] { 1, 2 }).one_hot(3).ToArray<long>());
        Assert.False(torch.tensor(new float[] { 1, float.NaN }).all_finite());
        Assert.False(torch.tensor(new float[] { float.PositiveInfinity }).all_finite());
        Assert.True(torch.tensor(new float[] { 1, 2 }).all_finite());
        Assert.Equal(3, torch.tensor(new int[] { 1, 2 }).sum().item<int>());
    }
}
