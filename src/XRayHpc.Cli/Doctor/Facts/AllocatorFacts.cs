namespace XRayHpc.Cli.Doctor.Facts;

/// <summary>Whether the shim tuned glibc malloc at load, and the environment that decides it.</summary>
/// <param name="TuningVariable">XRAYHPC_MALLOC_TUNING as set (null when unset; "0" turns the tuning off).</param>
/// <param name="Preload">LD_PRELOAD (a jemalloc/tcmalloc there replaces glibc malloc and its settings).</param>
public sealed record AllocatorFacts(bool TuningActive, string? TuningVariable, string? Preload);
