namespace XRayHpc.Hpc.Tests;

/// <summary>
/// A fact that needs the local single-node Slurm (env/slurm/start.sh): skipped, with the reason shown in
/// the test output, when not running as root or when the Slurm/munge programs are not installed.
/// </summary>
public sealed class SlurmFactAttribute : FactAttribute
{
    public SlurmFactAttribute()
    {
        if (SlurmCluster.UnavailableReason is { } reason) Skip = reason;
    }
}
