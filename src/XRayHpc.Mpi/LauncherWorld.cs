namespace XRayHpc.Mpi;

/// <summary>The world size the launcher announced in the environment. A launcher paired with the other
/// MPI implementation's library (mpirun.mpich with an OpenMPI build, or the reverse) starts N processes
/// that each initialise as a 1-rank world and all "succeed": comparing against this catches it.</summary>
public static class LauncherWorld
{
    /// <summary>(variable, size) of the first launcher variable found, or null when the process was
    /// started without a launcher (a singleton is legitimate).</summary>
    public static (string Variable, int Size)? Expected(Func<string, string?>? getenv = null)
    {
        getenv ??= Environment.GetEnvironmentVariable;
        // OpenMPI's mpirun, then MPICH/Hydra and Intel MPI (PMI), then PMIx launchers, then srun. Only
        // SLURM_STEP_NUM_TASKS speaks for srun: SLURM_NTASKS (the allocation's tasks) and SLURM_PROCID=0 are
        // also set in the batch script itself, outside any step, where a singleton run is legitimate (a bare
        // `xrayhpc doctor` or `preprocess` in an sbatch script with --ntasks=2 is one process, not a mismatch).
        foreach (var name in new[] { "OMPI_COMM_WORLD_SIZE", "PMI_SIZE", "PMIX_SIZE" })
        {
            if (TryParse(getenv(name), out var n)) return (name, n);
        }
        if (getenv("SLURM_PROCID") is not null && TryParse(getenv("SLURM_STEP_NUM_TASKS"), out var tasks))
            return ("SLURM_STEP_NUM_TASKS", tasks);
        return null;
    }

    /// <summary>Throws when the launcher announced a different world size than MPI reports.</summary>
    public static void Check(int mpiWorldSize, string libraryVersion, Func<string, string?>? getenv = null)
    {
        var expected = Expected(getenv);
        if (expected is null || expected.Value.Size == mpiWorldSize) return;
        var (variable, size) = expected.Value;
        var library = libraryVersion.Split('\n', 2)[0].Trim();
        throw new MpiException(
            $"MPI world size mismatch: the launcher set {variable}={size} but MPI_COMM_WORLD has {mpiWorldSize} rank(s). " +
            $"The launcher and the MPI library this process loaded ({library}) are probably from different MPI " +
            "implementations (e.g. mpirun.mpich with an OpenMPI build); each process would train alone. " +
            "Launch with the mpirun that matches the library, or rebuild the shim with that MPI's mpicc " +
            $"(and point {Native.LibraryOverrideVariable} at it).");
    }

    private static bool TryParse(string? s, out int n)
    {
        n = 0;
        return !string.IsNullOrWhiteSpace(s) && int.TryParse(s.Trim(), out n) && n > 0;
    }
}
