namespace XRayHpc.Mpi;

/// <summary>The MPI library this process loaded, queryable without <see cref="MpiEnvironment"/> (MPI-3 allows
/// MPI_Get_library_version before MPI_Init), so `xrayhpc doctor` can name the library even when init fails.</summary>
public static class MpiLibrary
{
    /// <summary>MPI_Get_library_version; the first line names the implementation and its version.</summary>
    public static string Version() => Native.LibraryVersion();
}
