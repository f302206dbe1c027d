namespace XRayHpc.Cli.Doctor.Facts;

/// <summary>The patient-salt key file (PatientHasher). Its content never reaches a report.</summary>
/// <param name="Mode">Unix permission bits; null when the file does not exist.</param>
/// <param name="ReadError">Why PatientHasher could not use it (unreadable, too short); null when it can.</param>
public sealed record SaltFacts(string Path, bool Exists, UnixFileMode? Mode, string? ReadError);
