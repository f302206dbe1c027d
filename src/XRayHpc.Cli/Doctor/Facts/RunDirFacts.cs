namespace XRayHpc.Cli.Doctor.Facts;

/// <summary>The run directory and the filesystem under it.</summary>
/// <param name="ProbedDir">The directory a probe file was written to: the run directory, or its nearest existing
/// parent when the run directory does not exist yet (training creates it).</param>
/// <param name="WriteError">Why the probe file could not be written; null when it could.</param>
/// <param name="FreeBytes">Space available to this user on that filesystem; -1 when unknown.</param>
public sealed record RunDirFacts(string Path, bool Exists, string ProbedDir, string? WriteError, long FreeBytes);
