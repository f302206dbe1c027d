namespace XRayHpc.Mpi.Tests;

/// <summary>Every collective, type and op under a real OpenMPI mpirun (the checks run inside the ranks:
/// see XRayHpc.Mpi.TestApp/Scenarios.cs). 4 ranks oversubscribe the 2-core CI machine on purpose.</summary>
public class CollectiveTests
{
    [Theory]
    [InlineData(2)]
    [InlineData(4)]
    public void Collectives_AllTypesOpsSplitsGathersAndBroadcasts_AreExact(int ranks)
    {
        MpiRun.RunToPass(ranks, "collectives", MpiRun.JobLimit);
    }

    [Fact]
    public void SingletonWithoutLauncher_IsAOneRankWorld()
    {
        // No mpirun: OpenMPI's singleton init. The world-size check must not reject it.
        using var run = MpiRun.WithoutLauncher("hello");
        run.WaitForExit(MpiRun.JobLimit);
        Assert.True(run.ExitCode == 0, run.Output);
        Assert.Contains("HELLO rank 0 size 1", run.Output);
    }
}
