namespace XRayHpc.Hpc.Tests;

/// <summary>A theory that needs the local Slurm: skipped like <see cref="SlurmFactAttribute"/>, with the reason shown.</summary>
public sealed class SlurmTheoryAttribute : TheoryAttribute
{
    public SlurmTheoryAttribute()
    {
        if (SlurmCluster.UnavailableReason is { } reason) Skip = reason;
    }
}
