namespace XRayHpc.Mpi.Tests;

/// <summary>The one reader of the launcher's environment (rank, world, ranks per node, CPUs per task, Slurm ids).</summary>
public class LaunchEnvironmentTests
{
    private static Func<string, string?> Env(params (string, string)[] vars)
    {
        var d = vars.ToDictionary(v => v.Item1, v => v.Item2);
        return k => d.TryGetValue(k, out var v) ? v : null;
    }

    [Fact]
    public void Rank_ReadsEveryLauncher_PmixIncluded_InOrder()
    {
        Assert.Equal(3, LaunchEnvironment.Read(Env(("PMIX_RANK", "3"))).Rank); // a PMIx launcher (prterun, srun --mpi=pmix without SLURM_PROCID)
        Assert.Equal(1, LaunchEnvironment.Read(Env(("OMPI_COMM_WORLD_RANK", "1"), ("PMIX_RANK", "1"), ("SLURM_PROCID", "0"))).Rank);
        Assert.Equal(2, LaunchEnvironment.Read(Env(("PMI_RANK", "2"), ("SLURM_PROCID", "0"))).Rank);
        var alone = LaunchEnvironment.Read(Env());
        Assert.Null(alone.Rank);
        Assert.True(alone.IsRank0);
        Assert.False(LaunchEnvironment.Read(Env(("PMIX_RANK", "1"))).IsRank0);
    }

    [Fact]
    public void ThreadsPerRank_CpusPerTask_ElseCoresSharedByTheNodesRanks()
    {
        Assert.Equal(6, LaunchEnvironment.Read(Env(("SLURM_CPUS_PER_TASK", "6"), ("OMPI_COMM_WORLD_LOCAL_SIZE", "4"))).ThreadsPerRank(16));
        Assert.Equal(4, LaunchEnvironment.Read(Env(("OMPI_COMM_WORLD_LOCAL_SIZE", "4"))).ThreadsPerRank(16));
        Assert.Equal(8, LaunchEnvironment.Read(Env(("MPI_LOCALNRANKS", "2"), ("SLURM_CPUS_PER_TASK", "0"))).ThreadsPerRank(16));
        Assert.Equal(1, LaunchEnvironment.Read(Env(("SLURM_NTASKS_PER_NODE", "32"))).ThreadsPerRank(16));
        Assert.Equal(16, LaunchEnvironment.Read(Env()).ThreadsPerRank(16));
    }

    [Fact]
    public void UnderMpiLauncher_AndSlurmIds()
    {
        var e = LaunchEnvironment.Read(Env(("PMIX_SIZE", "2"), ("SLURM_JOB_ID", "41"), ("SLURM_STEP_ID", "0"), ("SLURMD_NODENAME", "n07")));
        Assert.True(e.UnderMpiLauncher);
        Assert.Equal(("PMIX_SIZE", 2), e.World);
        Assert.Equal(("41", "0", "n07"), (e.SlurmJobId, e.SlurmStepId, e.Node));
        Assert.False(LaunchEnvironment.Read(Env(("SLURM_PROCID", "0"), ("SLURM_NTASKS", "2"))).UnderMpiLauncher);
    }
}
