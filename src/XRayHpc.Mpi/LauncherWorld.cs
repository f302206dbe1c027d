namespace XRayHpc.Mpi;

/// <summary>The world size the launcher announced in the environment. A launcher paired with the other
/// MPI implementation's library (mpirun.mpich with an OpenMPI build, or the reverse) starts N processes
/// that each initialise as a 1-rank world and all "succeed": comparing against this catches it.</summary>
public static class LauncherWorld
{
    /// <summary>(variable, size) of the first launcher variable found, or null when the process was
    /// started without a launcher (a singleton is legitimate). See <see cref="LaunchEnvironment.World"/>.</summary>
    public static (string Variable, int Size)? Expected(Func<string, string?>? getenv = null) =>
        LaunchEnvironment.Read(getenv ?? Environment.GetEnvironmentVariable).World;

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
}
