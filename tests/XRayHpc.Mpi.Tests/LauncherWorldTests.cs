namespace XRayHpc.Mpi.Tests;

public class LauncherWorldTests
{
    private static Func<string, string?> Env(params (string, string)[] vars)
    {
        var d = vars.ToDictionary(v => v.Item1, v => v.Item2);
        return k => d.TryGetValue(k, out var v) ? v : null;
    }

    [Fact]
    public void OpenMpiVariable_TakesPrecedence()
    {
        var e = LauncherWorld.Expected(Env(("OMPI_COMM_WORLD_SIZE", "4"), ("PMI_SIZE", "2"), ("SLURM_PROCID", "0"), ("SLURM_NTASKS", "8")));
        Assert.Equal(("OMPI_COMM_WORLD_SIZE", 4), e);
    }

    [Fact]
    public void SlurmNtasks_CountsOnlyInsideAnSrunTask()
    {
        // In a batch script (no srun) a single process is a legitimate singleton.
        Assert.Null(LauncherWorld.Expected(Env(("SLURM_NTASKS", "8"))));
        // The batch script itself: SLURM_PROCID=0 and the allocation's SLURM_NTASKS, but no step.
        Assert.Null(LauncherWorld.Expected(Env(("SLURM_NTASKS", "8"), ("SLURM_PROCID", "0"))));
        Assert.Equal(("SLURM_STEP_NUM_TASKS", 2),
            LauncherWorld.Expected(Env(("SLURM_NTASKS", "8"), ("SLURM_STEP_NUM_TASKS", "2"), ("SLURM_PROCID", "1"))));
    }

    [Fact]
    public void Mismatch_FailsNamingTheVariableAndTheLibrary()
    {
        var e = Assert.Throws<MpiException>(() => LauncherWorld.Check(1, "Open MPI v4.1.4, package: Debian\nmore", Env(("PMI_SIZE", "2"))));
        Assert.Contains("PMI_SIZE=2", e.Message);
        Assert.Contains("has 1 rank", e.Message);
        Assert.Contains("Open MPI v4.1.4", e.Message);
        LauncherWorld.Check(2, "x", Env(("PMI_SIZE", "2"))); // matching: no exception
        LauncherWorld.Check(1, "x", Env()); // no launcher: no exception
    }

    [Fact]
    public void OpenMpiBuild_UnderMpichLauncher_FailsLoudlyInsteadOfRunningSingleRankJobs()
    {
        using var run = MpiRun.Mpich(2, new Dictionary<string, string?> { ["XRAYHPC_MPI_LIB"] = null }, "hello");
        run.WaitForExit(MpiRun.JobLimit);
        Assert.NotEqual(0, run.ExitCode);
        Assert.Contains("MPI world size mismatch: the launcher set PMI_SIZE=2 but MPI_COMM_WORLD has 1 rank(s)", run.Output);
        Assert.DoesNotContain("PASS hello", run.Output);
    }
}
