using System.Diagnostics;
using System.Text.RegularExpressions;

namespace XRayHpc.Mpi.Tests;

/// <summary>CollectiveWatch: a rank that stops (SIGSTOP, as a hung NFS read leaves it) ends the job with a
/// message naming the operation, the step and the ranks that had not arrived, instead of hanging until the
/// allocation's time limit. Without the watch these jobs hang: WaitForExit's limit fails them.</summary>
public class CollectiveTimeoutTests
{
    private static Dictionary<string, string?> Timeout(double seconds) =>
        new() { ["XRAYHPC_TEST_COLLECTIVE_TIMEOUT"] = seconds.ToString(System.Globalization.CultureInfo.InvariantCulture) };

    [Fact]
    public void RankStoppedBetweenCollectives_EndsTheJobNamingOperationStepAndRank()
    {
        using var run = MpiRun.OpenMpi(2, Timeout(3), "stall", "20");
        var line = run.WaitForLine(l => l.StartsWith("STALLING rank 1 "), MpiRun.StartLimit);
        var pid = int.Parse(Regex.Match(line, @"pid (\d+)").Groups[1].Value);
        run.WaitForExit(MpiRun.AbortLimit); // without the watch rank 0 waits for rank 1 forever
        var output = run.Output;
        Assert.True(run.ExitCode != 0, $"job exited 0 with a stopped rank:\n{output}");
        // Rank 1 stopped after step 20's allreduce, so rank 0 waits for it in step 21's.
        Assert.Matches(new Regex($@"rank 0 of 2 aborting the MPI job \(code 1\): collective timeout: MPI_Allreduce \(step 21, collective #\d+ of rank 0\) " +
                                 $@"did not complete within 3 s on a communicator of 2 ranks; NOT ARRIVED \([^)]*\): rank 1 \(pid {pid} on [^)]+\); arrived: rank 0"), output);
        AssertGone(pid, output); // the launcher ended the stopped rank too
    }

    [Fact]
    public void RankStoppedAtAnyMoment_EndsTheJobWithATimeoutMessage()
    {
        // Stopped from outside while both ranks loop over 1 MB allreduces: it may stop between collectives
        // (phase 1 names it) or inside the exchange (the watchdog aborts); either way the job must end.
        using var run = MpiRun.OpenMpi(2, Timeout(3), "spin");
        var line = run.WaitForLine(l => Regex.IsMatch(l, @"^STEP rank 1 pid \d+ step ([2-9]\d|\d{3,})"), MpiRun.StartLimit);
        var pid = int.Parse(Regex.Match(line, @"pid (\d+)").Groups[1].Value);
        using (var stop = Process.Start("kill", new[] { "-STOP", pid.ToString() })) Assert.True(stop.WaitForExit(10_000), "kill did not return");
        run.WaitForExit(MpiRun.AbortLimit);
        var output = run.Output;
        Assert.True(run.ExitCode != 0, $"job exited 0 with a stopped rank:\n{output}");
        Assert.Matches(new Regex(@"rank 0 of 2 aborting the MPI job \(code 1\): collective timeout: MPI_Allreduce \(outside the training steps, collective #\d+ of rank 0\) " +
                                 $@"(did not complete within 3 s on a communicator of 2 ranks; NOT ARRIVED \([^)]*\): rank 1 \(pid {pid} on|did not complete within 3 s although all 2 ranks of its communicator had arrived)"), output);
        AssertGone(pid, output);
    }

    [Fact]
    public void RanksInDifferentCollectives_AbortNamingBoth()
    {
        using var run = MpiRun.OpenMpi(2, Timeout(30), "diverge");
        run.WaitForExit(MpiRun.AbortLimit);
        var output = run.Output;
        Assert.True(run.ExitCode != 0, $"job exited 0 with diverged collectives:\n{output}");
        Assert.Matches(new Regex(@"collective mismatch: rank (0 entered MPI_Allreduce|1 entered MPI_Bcast) \(step 3, collective #\d+ of rank \d\) while other ranks of its communicator of 2 ranks entered (MPI_Bcast|MPI_Allreduce): the ranks' call orders diverged"), output);
    }

    [Theory]
    [InlineData(2)]
    [InlineData(4)]
    public void WithTheWatchOn_EveryCollectiveIsStillExact(int ranks)
    {
        MpiRun.RunToPass(ranks, Timeout(60), "collectives", MpiRun.JobLimit);
    }

    [Fact]
    public void WithTheWatchOn_PipelinedDataParallelStaysBitIdentical()
    {
        MpiRun.RunToPass(2, Timeout(60), "dp-identical", MpiRun.TrainLimit, "pipelined");
    }

    /// <summary>After mpirun has exited the stopped rank is gone (or an unreaped zombie): mpirun ends its ranks
    /// before it exits, so a stopped rank must not outlive its job.</summary>
    private static void AssertGone(int pid, string output)
    {
        string stat;
        try { stat = File.ReadAllText($"/proc/{pid}/stat"); }
        catch (IOException) { return; }
        Assert.True(stat[(stat.LastIndexOf(')') + 2)..].StartsWith('Z'), $"the stopped rank (pid {pid}) outlived its job ({stat}):\n{output}");
    }
}
