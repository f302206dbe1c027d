using XRayHpc.Cli.Doctor.Facts;

namespace XRayHpc.Cli.Doctor.Checks;

/// <summary>
/// The patient-salt key file (see PatientHasher): whoever can read it can recompute every patient hash from the
/// public, densely numbered patient ids, so it must be readable by its owner only.
/// </summary>
public static class SaltFileCheck
{
    const UnixFileMode GroupOrOther = UnixFileMode.GroupRead | UnixFileMode.GroupWrite | UnixFileMode.GroupExecute
                                    | UnixFileMode.OtherRead | UnixFileMode.OtherWrite | UnixFileMode.OtherExecute;

    public static CheckResult Evaluate(SaltFacts f)
    {
        if (!f.Exists)
            return CheckResult.Ok("patient salt", $"{f.Path}: absent; the first `xrayhpc preprocess` creates it with mode 0600 (keep a backup: a new salt changes every patient hash)");
        string mode = f.Mode is { } m ? Octal(m) : "?";
        if (f.Mode is { } mm && (mm & GroupOrOther) != 0)
            return CheckResult.Fail("patient salt", $"{f.Path}: mode {mode}, open to group or others",
                $"chmod 600 {f.Path}: with the salt anyone can re-identify the cache's patients");
        if (f.ReadError is not null)
            return CheckResult.Fail("patient salt", $"{f.Path}: not usable ({f.ReadError})",
                "make it readable by the user who runs preprocess, or replace it with 32 random bytes as hex (`openssl rand -hex 32 > file; chmod 600 file`) and re-run preprocess");
        return CheckResult.Ok("patient salt", $"{f.Path}: mode {mode}, owner-only");
    }

    public static string Octal(UnixFileMode m) => "0" + Convert.ToString((int)m & 0x1FF, 8).PadLeft(3, '0');
}
