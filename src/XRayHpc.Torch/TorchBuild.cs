using System.Runtime.InteropServices;

namespace XRayHpc.Torch;

/// <summary>
/// Which libtorch the shim was compiled against and which one the process loaded (src/native/torch/compat.cpp).
/// A shim built against one libtorch and run on another (a `module load` or LD_LIBRARY_PATH change after
/// the build) computes with a different ATen or crashes in odd places, so <see cref="EnsureMatch"/> runs before
/// the first tensor call and refuses a different major.minor. An unreadable loaded version is reported, not refused:
/// the dynamic linker already rejects a different Debian soname, and a wheel always carries its version.py.
/// </summary>
public static class TorchBuild
{
    /// <summary>TORCH_VERSION of the headers the shim was compiled with (e.g. "2.6.0").</summary>
    public static string Built => Str(CompatNative.xr_compat_torch_built());
    /// <summary>Version of the libtorch the dynamic linker loaded; "" when its files do not say.</summary>
    public static string Loaded => Str(CompatNative.xr_compat_torch_loaded());
    /// <summary>Resolved path of the loaded libtorch_cpu.</summary>
    public static string LibraryPath => Str(CompatNative.xr_compat_torch_library());
    /// <summary>True when the shim was compiled with XRAYHPC_CUDA=ON.</summary>
    public static bool CudaBuilt => CompatNative.xr_compat_cuda_built() != 0;

    private static readonly Lazy<string?> Mismatch = new(() => Compare(Built, Loaded, LibraryPath));

    /// <summary>Throws when the loaded libtorch's major.minor differs from the one the shim was built against.</summary>
    public static void EnsureMatch()
    {
        if (Mismatch.Value is { } why) throw new TorchException(why);
    }

    /// <summary>The refusal message for a built/loaded pair, or null when they are compatible (pure; unit-tested).</summary>
    public static string? Compare(string built, string loaded, string library)
    {
        if (string.IsNullOrEmpty(loaded)) return null;
        if (MajorMinor(built) == MajorMinor(loaded)) return null;
        return $"libxrayhpc_torch was built against libtorch {built} but libtorch {loaded} is loaded ({library}); "
             + "rebuild with `make native-torch TORCH_DIR=...` for the libtorch you run, or load the one it was built for";
    }

    /// <summary>"2.6.0+cu124" → "2.6"; "1.13" → "1.13"; anything else unchanged.</summary>
    public static string MajorMinor(string version)
    {
        var core = version.Split('+', 2)[0];
        var parts = core.Split('.');
        return parts.Length >= 2 ? $"{parts[0]}.{parts[1]}" : core;
    }

    private static string Str(IntPtr p) => Marshal.PtrToStringUTF8(p) ?? "";

    private static class CompatNative
    {
        [DllImport(Native.Lib)] internal static extern IntPtr xr_compat_torch_built();
        [DllImport(Native.Lib)] internal static extern IntPtr xr_compat_torch_loaded();
        [DllImport(Native.Lib)] internal static extern IntPtr xr_compat_torch_library();
        [DllImport(Native.Lib)] internal static extern int xr_compat_cuda_built();
    }
}
