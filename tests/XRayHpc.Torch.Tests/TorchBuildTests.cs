using XRayHpc.Torch;
using Xunit;

namespace XRayHpc.Torch.Tests;

public class TorchBuildTests
{
    [Theory]
    [InlineData("2.6.0", "2.6", null)]
    [InlineData("2.6.0", "2.6.0+cu124", null)]
    [InlineData("1.13.0", "1.13.1", null)]
    [InlineData("2.6.0", "", null)]          // version not readable: reported, not refused
    [InlineData("2.6.0", "2.5.1", "2.5.1")]
    [InlineData("1.13.0", "2.6", "2.6")]
    public void CompareRefusesOnlyADifferentMajorMinor(string built, string loaded, string? refusedNaming)
    {
        var why = TorchBuild.Compare(built, loaded, "/x/libtorch_cpu.so");
        if (refusedNaming is null) Assert.Null(why);
        else
        {
            Assert.NotNull(why);
            Assert.Contains(built, why);
            Assert.Contains(refusedNaming, why);
            Assert.Contains("TORCH_DIR", why);
        }
    }

    [Fact]
    public void LoadedLibtorchIsTheOneTheShimWasBuiltAgainst()
    {
        Assert.Equal(torch.version, TorchBuild.Built);
        Assert.Contains("libtorch_cpu", TorchBuild.LibraryPath);
        // Debian's versioned soname and wheels' version.py both tell the loaded version.
        Assert.Equal(TorchBuild.MajorMinor(TorchBuild.Built), TorchBuild.MajorMinor(TorchBuild.Loaded));
        Assert.Equal(torch.built_with_cuda, TorchBuild.CudaBuilt);
        TorchBuild.EnsureMatch();
    }
}
