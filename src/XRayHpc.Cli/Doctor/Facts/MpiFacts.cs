namespace XRayHpc.Cli.Doctor.Facts;

/// <summary>What MPI this process loaded and how it was launched.</summary>
/// <param name="LoadError">Set when the MPI shim or libmpi could not be loaded at all (nothing else is known then).</param>
/// <param name="LibraryVersion">MPI_Get_library_version (first line names the implementation and version).</param>
/// <param name="LibraryPath">The libmpi/libmpich file mapped into the process (/proc/self/maps), if found.</param>
/// <param name="InitError">MPI_Init or the launcher world-size check failed with this message.</param>
/// <param name="Launcher">The launcher variable and the world size it announced; null without a launcher.</param>
/// <param name="RulesEnabled">OMPI_MCA_coll_tuned_use_dynamic_rules in the C environment after MPI_Init.</param>
/// <param name="RulesFile">OMPI_MCA_coll_tuned_dynamic_rules_filename in the C environment after MPI_Init.</param>
/// <param name="TuneVariable">XRAYHPC_MPI_TUNE as set ("0" leaves OpenMPI's defaults alone).</param>
public sealed record MpiFacts(
    string? LoadError, string LibraryVersion, string? LibraryPath, string? InitError, int WorldSize,
    (string Variable, int Size)? Launcher, string LauncherName,
    string? RulesEnabled, string? RulesFile, bool RulesFileReadable, string? TuneVariable);
