using System.Text.RegularExpressions;

namespace XRayHpc.Mpi.Tests;

/// <summary>Data-parallel training of a tiny conv+linear net under real mpirun (the training and the
/// checks run inside the ranks: XRayHpc.Mpi.TestApp/DataParallelScenarios.cs).</summary>
public class DataParallelTests
{
    [Theory]
    [InlineData(2, "pipelined", "channels-last")]
    [InlineData(2, "blocking", "contiguous")]
    [InlineData(4, "pipelined", "contiguous")]
    public void After50Steps_EveryRankHoldsBitIdenticalParameters(int ranks, string mode, string layout)
    {
        // Uneven local batches, a rank with 0 samples every 7th step, different init seeds per rank
        // (fixed by the initial broadcast), several buckets; checksums compared across ranks every
        // 10 steps inside the job, and here once more from the printed values.
        var output = MpiRun.RunToPass(ranks, "dp-identical", MpiRun.TrainLimit, mode, layout);
        var sums = Regex.Matches(output, @"CHECKSUM rank (\d+) ([0-9a-f]{16})").Select(m => m.Groups[2].Value).ToList();
        Assert.Equal(ranks, sums.Count);
        Assert.Single(sums.Distinct());
    }

    [Theory]
    [InlineData(2, "channels-last")]
    [InlineData(4, "contiguous")]
    public void NRanksWithUnevenBatches_MatchOneRankWithTheWholeBatch(int ranks, string layout)
    {
        // No BatchNorm in this model on purpose: training-mode BN normalises with per-rank batch
        // statistics, so N×b and 1×N·b would be different computations; the BN-free net makes the
        // comparison exact in intent (only float summation order differs). Tolerance 1e-5 relative.
        var output = MpiRun.RunToPass(ranks, "dp-equivalence", MpiRun.TrainLimit, layout);
        var worst = double.Parse(Regex.Match(output, @"EQUIVALENCE ranks \d+ global_batch \d+ worst_relative (\S+)").Groups[1].Value,
            System.Globalization.CultureInfo.InvariantCulture);
        Assert.InRange(worst, 0, 1e-5);
    }

    // The GPU exchange path (gradients staged through libtorch tensors, as for parameters on a GPU) run on
    // CPU tensors: same bit-identical replicas and same equivalence to one big batch as the host path.
    [Theory]
    [InlineData("blocking", "channels-last")]
    [InlineData("pipelined", "contiguous")]
    public void StagedExchange_KeepsReplicasBitIdentical(string mode, string layout)
    {
        var output = MpiRun.RunToPass(2, "dp-identical", TimeSpan.FromSeconds(90), mode, layout, "staged");
        Assert.Contains("staged True", output);
    }

    [Fact]
    public void StagedExchange_MatchesOneRankWithTheWholeBatch()
    {
        var output = MpiRun.RunToPass(2, "dp-equivalence", TimeSpan.FromSeconds(90), "channels-last", "staged");
        var worst = double.Parse(Regex.Match(output, @"EQUIVALENCE ranks \d+ global_batch \d+ worst_relative (\S+)").Groups[1].Value,
            System.Globalization.CultureInfo.InvariantCulture);
        Assert.InRange(worst, 0, 1e-5);
    }

    [Fact]
    public void BatchNormStatistics_StayLocalUntilAveraged()
    {
        MpiRun.RunToPass(2, "dp-batchnorm", MpiRun.TrainLimit);
    }
}
