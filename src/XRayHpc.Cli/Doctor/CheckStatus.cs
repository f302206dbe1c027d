namespace XRayHpc.Cli.Doctor;

/// <summary>A doctor line's verdict. Ordered by severity so the worst of several is their maximum.</summary>
public enum CheckStatus
{
    Ok = 0,
    /// <summary>A run works but slower or less safely than it could; the line says how to fix it.</summary>
    Warn = 1,
    /// <summary>A run would fail or be wrong (or many times slower); `xrayhpc doctor` exits non-zero.</summary>
    Fail = 2,
}
