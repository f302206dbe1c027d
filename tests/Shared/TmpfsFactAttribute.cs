namespace XRayHpc.TestSupport;

/// <summary>
/// A fact that needs a real small disk (a tmpfs mount): skipped, with the reason in the test output and
/// counted as skipped in tests/run.sh's summary, where tmpfs cannot be mounted. Never a silent pass.
/// </summary>
public sealed class TmpfsFactAttribute : FactAttribute
{
    public TmpfsFactAttribute()
    {
        if (Tmpfs.UnavailableReason is { } reason) Skip = reason;
    }
}
