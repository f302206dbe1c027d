namespace XRayHpc.Mpi.Tests;

/// <summary>Node-local rank: the pure cross-check rules, then a real 2-rank mpirun on one node.</summary>
public class NodeLocalRankTests
{
    private static Func<string, string?> Env(params (string Name, string Value)[] vars) =>
        name => vars.FirstOrDefault(v => v.Name == name).Value;

    [Fact]
    public void SplitAloneIsTrustedWhenNoLauncherVariableIsSet()
    {
        Assert.Equal(new NodeLocalRank(1, 3), NodeLocalRank.Verify(1, 3, worldRank: 5, Env()));
    }

    [Theory]
    [InlineData("OMPI_COMM_WORLD_LOCAL_RANK")]
    [InlineData("MPI_LOCALRANKID")]
    public void LauncherVariableAgreeingWithTheSplitPasses(string variable)
    {
        Assert.Equal(new NodeLocalRank(2, 4), NodeLocalRank.Verify(2, 4, worldRank: 6, Env((variable, "2"))));
    }

    [Fact]
    public void DisagreementIsRefusedNamingRankVariableAndBothValues()
    {
        var e = Assert.Throws<MpiException>(() =>
            NodeLocalRank.Verify(1, 2, worldRank: 3, Env(("OMPI_COMM_WORLD_LOCAL_RANK", "0"))));
        Assert.Contains("rank 3", e.Message);
        Assert.Contains("OMPI_COMM_WORLD_LOCAL_RANK=0", e.Message);
        Assert.Contains("local rank 1 of 2", e.Message);
    }

    [Fact]
    public void GarbageLauncherValueIsRefused()
    {
        var e = Assert.Throws<MpiException>(() => NodeLocalRank.Verify(0, 1, 0, Env(("MPI_LOCALRANKID", "x"))));
        Assert.Contains("MPI_LOCALRANKID='x'", e.Message);
    }

    [Fact]
    public void FirstLauncherVariablePresentDecides()
    {
        // mpirun's variable wins over a stale MPICH one further down the list.
        Assert.Equal(new NodeLocalRank(1, 2),
            NodeLocalRank.Verify(1, 2, 1, Env(("OMPI_COMM_WORLD_LOCAL_RANK", "1"), ("MPI_LOCALRANKID", "0"))));
    }

    [Fact]
    public void SlurmLocalIdCountsOnlyWhenSrunStartedThisRank()
    {
        // srun started us: SLURM_PROCID is our world rank, so SLURM_LOCALID is checked.
        Assert.Throws<MpiException>(() =>
            NodeLocalRank.Verify(1, 2, 1, Env(("SLURM_LOCALID", "0"), ("SLURM_PROCID", "1"))));
        // mpirun inside a batch script: the script's SLURM_LOCALID=0/SLURM_PROCID=0 describe the script, not rank 1.
        Assert.Equal(new NodeLocalRank(1, 2),
            NodeLocalRank.Verify(1, 2, 1, Env(("SLURM_LOCALID", "0"), ("SLURM_PROCID", "0"))));
    }

    [Fact]
    public void SharedMemorySplitUnderMpirunMatchesTheLauncher()
    {
        MpiRun.RunToPass(2, "node", TimeSpan.FromSeconds(60));
    }
}
