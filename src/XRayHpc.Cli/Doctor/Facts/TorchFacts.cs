namespace XRayHpc.Cli.Doctor.Facts;

/// <summary>What the loaded libtorch and our shim report about themselves.</summary>
/// <param name="BuildConfig">at::show_config() text (holds "USE_CUDA=OFF", the oneDNN and OpenMP versions).</param>
/// <param name="DefaultThreads">at::get_num_threads() before anyone set it (libtorch's own default).</param>
public sealed record TorchFacts(
    string Version, string BuildConfig, bool ShimBuiltWithCuda, int CudaDevices,
    bool MkldnnEnabled, bool HasOpenMP, int DefaultThreads);
