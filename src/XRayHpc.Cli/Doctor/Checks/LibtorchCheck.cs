using System.Text.RegularExpressions;
using XRayHpc.Cli.Doctor.Facts;

namespace XRayHpc.Cli.Doctor.Checks;

/// <summary>libtorch: version, CPU or CUDA build (and whether the shim matches it), visible CUDA devices, oneDNN, OpenMP.</summary>
public static partial class LibtorchCheck
{
    /// <summary>The libtorch the shim was compiled against beside the one this process loaded: a different
    /// major.minor is refused at start (the ATen ABI changes between them), so doctor names both and the fix.</summary>
    public static CheckResult Match(string built, string loaded, string library)
    {
        if (XRayHpc.Torch.TorchBuild.Compare(built, loaded, library) is { } why)
            return CheckResult.Fail("libtorch build", why, $"make native-torch TORCH_DIR=<the libtorch {loaded} you load> (or load libtorch {built})");
        return CheckResult.Ok("libtorch build", $"shim built against {built}, loaded {(loaded.Length > 0 ? loaded : "(version not readable)")} from {library}");
    }

    public static IEnumerable<CheckResult> Evaluate(TorchFacts f)
    {
        bool cudaBuild = BuildSetting(f.BuildConfig, "USE_CUDA") == "ON";
        string build = cudaBuild ? "CUDA build" : "CPU build";
        if (f.ShimBuiltWithCuda && !cudaBuild)
            yield return CheckResult.Fail("libtorch", $"{f.Version}, {build}; our shim was built for CUDA",
                "rebuild the shim for this libtorch: `make build` without XRAYHPC_CUDA=ON (or install a CUDA libtorch)");
        else
            yield return CheckResult.Ok("libtorch", $"{f.Version}, {build}, shim {(f.ShimBuiltWithCuda ? "CUDA" : "CPU")}");

        if (!cudaBuild)
            yield return CheckResult.Ok("CUDA devices", "none used (CPU build)");
        else if (f.CudaDevices <= 0)
            yield return CheckResult.Warn("CUDA devices", "0 visible to a CUDA build",
                "request GPUs (sbatch --gres=gpu:N), check CUDA_VISIBLE_DEVICES and the driver (nvidia-smi); training falls back to the CPU");
        else if (!f.ShimBuiltWithCuda)
            yield return CheckResult.Warn("CUDA devices", $"{f.CudaDevices} visible, but the shim is CPU-only",
                "`make build XRAYHPC_CUDA=ON` to train on the GPUs");
        else
            yield return CheckResult.Ok("CUDA devices", $"{f.CudaDevices} visible");

        var onednn = MatchOrNull(f.BuildConfig, OneDnnVersion());
        yield return f.MkldnnEnabled
            ? CheckResult.Ok("oneDNN", $"on{(onednn is null ? "" : $" (v{onednn})")}")
            : CheckResult.Warn("oneDNN", "off",
                "use a libtorch built with USE_MKLDNN=ON (Debian's libtorch-dev is): without oneDNN, bf16 and channels_last convolutions use slow fallback kernels");

        var omp = MatchOrNull(f.BuildConfig, OpenMpVersion());
        yield return f.HasOpenMP
            ? CheckResult.Ok("OpenMP", $"{(omp is null ? "on" : "OpenMP " + omp)}; libtorch's own default {f.DefaultThreads} thread(s), the thread plan below overrides it")
            : CheckResult.Warn("OpenMP", "libtorch built without OpenMP",
                "intra-op parallelism then uses libtorch's native pool and ignores OMP_* settings; prefer an OpenMP build (Debian's libtorch-dev)");
    }

    /// <summary>The value of one "NAME=VALUE" entry of at::show_config()'s "Build settings" line, or null.</summary>
    public static string? BuildSetting(string config, string name)
    {
        var m = Regex.Match(config, $@"(?:^|[\s,]){Regex.Escape(name)}=([^,\s]*)");
        return m.Success ? m.Groups[1].Value : null;
    }

    static string? MatchOrNull(string text, Regex re) { var m = re.Match(text); return m.Success ? m.Groups[1].Value : null; }

    [GeneratedRegex(@"(?:MKL-DNN|oneDNN) v([0-9][0-9.]*)")] private static partial Regex OneDnnVersion();
    [GeneratedRegex(@"a\.k\.a\. OpenMP ([0-9.]+)")] private static partial Regex OpenMpVersion();
}
