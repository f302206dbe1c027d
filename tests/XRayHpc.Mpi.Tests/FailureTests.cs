using System.Diagnostics;
using System.Text.RegularExpressions;

namespace XRayHpc.Mpi.Tests;

/// <summary>A failing rank must end the whole job quickly instead of leaving the others blocked in a
/// collective until the allocation's time limit.</summary>
public class FailureTests
{
    [Fact]
    public void ExceptionOnOneRank_AbortsTheJobWithItsMessage()
    {
        using var run = MpiRun.OpenMpi(4, "throw");
        // The limit is the hang check (a blocked survivor would wait forever); sized for 4 ranks on 2 busy cores.
        run.WaitForExit(MpiRun.AbortLimit);
        var output = run.Output;
        Assert.True(run.ExitCode != 0, $"job exited 0 after a rank threw:\n{output}");
        Assert.Contains("deliberate failure on rank 3 at step 5", output);
        Assert.Contains("rank 3 of 4 aborting the MPI job", output);
        // OpenMPI's own "MPI_ABORT was invoked on rank 3" banner is printed by the aborting process while
        // the launcher is already killing it, so it is lost in about 1 run in 10: not asserted.
    }

    [Theory]
    [InlineData("spin")]
    [InlineData("dp-train")]
    public void SigkillOfOneRankMidTraining_EndsTheJobNamingTheLostRank(string scenario)
    {
        using var run = MpiRun.OpenMpi(2, scenario);
        // Wait until both ranks are well into the loop, then SIGKILL rank 1 from outside.
        var line = run.WaitForLine(l => Regex.IsMatch(l, @"^STEP rank 1 pid \d+ step ([2-9]\d|\d{3,})"), MpiRun.StartLimit);
        var pid = int.Parse(Regex.Match(line, @"pid (\d+)").Groups[1].Value);
        Process.GetProcessById(pid).Kill(); // SIGKILL on Linux
        run.WaitForExit(MpiRun.AbortLimit); // throws when the survivor stays blocked
        var output = run.Output;
        Assert.True(run.ExitCode != 0, $"job exited 0 after a rank was killed:\n{output}");
        // The launcher names the lost rank. OpenMPI 4 (ORTE): "mpirun noticed that process rank 1 with PID n on
        // node x exited on signal 9 (Killed)." on one line; OpenMPI 5 (PRRTE, help-prun.txt proc-aborted-strsignal)
        // says the same with "prterun" and a line break before "signal 9": any whitespace between the words.
        Assert.Matches(new Regex(@"process rank 1 with PID \d+ on node \S+ exited on\s+signal 9"), output);
    }

    [Fact]
    public void Sigusr1ToOneRank_StopsEveryRankAfterTheSameStep()
    {
        using var run = MpiRun.OpenMpi(2, "signal");
        var line = run.WaitForLine(l => Regex.IsMatch(l, @"^STEP rank 1 pid \d+ step ([2-9]\d|\d{3,})"), MpiRun.StartLimit);
        var pid = Regex.Match(line, @"pid (\d+)").Groups[1].Value;
        using (var kill = Process.Start("kill", new[] { "-USR1", pid })) Assert.True(kill.WaitForExit(10_000), "kill did not return");
        run.WaitForExit(MpiRun.AbortLimit);
        var output = run.Output;
        Assert.True(run.ExitCode == 0, $"exit {run.ExitCode}:\n{output}");
        var stops = Regex.Matches(output, @"STOPPED rank (\d) step (\d+) signalled_here (\w+)");
        Assert.Equal(2, stops.Count);
        Assert.Single(stops.Select(m => m.Groups[2].Value).Distinct()); // same step on both ranks
        Assert.Contains(stops, m => m.Groups[1].Value == "1" && m.Groups[3].Value == "True");
        Assert.Contains(stops, m => m.Groups[1].Value == "0" && m.Groups[3].Value == "False"); // learned it via the collective
    }
}
