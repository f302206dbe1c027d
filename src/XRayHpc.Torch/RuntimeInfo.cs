using System.Runtime.InteropServices;

namespace XRayHpc.Torch;

/// <summary>
/// What the loaded libtorch is (src/native/torch/runtime_info.cpp), for `xrayhpc doctor`. Only queries:
/// nothing here changes the engine's state. Calling any member loads the shim and with it libtorch and
/// the BLAS it links, so /proc/self/maps shows them afterwards.
/// </summary>
public static class RuntimeInfo
{
    /// <summary>
    /// The glibc tunables that give any process the allocator settings our shim applies with mallopt at load
    /// (src/native/torch/runtime.cpp: M_MMAP_MAX 0, M_TRIM_THRESHOLD INT_MAX, M_TOP_PAD 64 MiB). Benchmarks run the
    /// PyTorch oracle with GLIBC_TUNABLES set to this as well, so a comparison never credits our engine with an
    /// allocator setting any PyTorch user can have. Keep in step with runtime.cpp.
    /// </summary>
    public const string EquivalentGlibcTunables =
        "glibc.malloc.mmap_max=0:glibc.malloc.trim_threshold=2147483647:glibc.malloc.top_pad=67108864";

    /// <summary>at::show_config(): compiler, oneDNN and OpenMP versions, "Build settings: ..., USE_CUDA=OFF, ...".</summary>
    public static string BuildConfig => Text(xt_build_config());

    /// <summary>at::get_parallel_info(): OpenMP version and the thread variables libtorch saw.</summary>
    public static string ParallelInfo => Text(xt_parallel_info());

    /// <summary>oneDNN kernels compiled in and not switched off.</summary>
    public static bool MkldnnEnabled => torch.backends.mkldnn.enabled;

    public static bool HasOpenMP => xt_has_openmp() != 0;

    static string Text(IntPtr p) =>
        p == IntPtr.Zero ? throw new TorchException(Marshal.PtrToStringUTF8(xt_last_error()) ?? "libtorch query failed")
                         : Marshal.PtrToStringUTF8(p) ?? "";

    [DllImport(Native.Lib)] static extern IntPtr xt_build_config();
    [DllImport(Native.Lib)] static extern IntPtr xt_parallel_info();
    [DllImport(Native.Lib)] static extern int xt_has_openmp();
    [DllImport(Native.Lib)] static extern IntPtr xt_last_error();
}
