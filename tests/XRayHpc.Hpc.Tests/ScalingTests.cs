using System.Globalization;
using System.Xml.Linq;
using XRayHpc.Report;

namespace XRayHpc.Hpc.Tests;

public sealed class ScalingTests : IDisposable
{
    readonly string _dir = Path.Combine(Path.GetTempPath(), "xrayhpc-scaling-" + Guid.NewGuid().ToString("N"));

    public void Dispose() { try { Directory.Delete(_dir, true); } catch (IOException) { } }

    static readonly XNamespace Svg = "http://www.w3.org/2000/svg";

    [Fact]
    public void Efficiency_is_throughput_against_ranks_times_the_one_rank_median()
    {
        // 1 rank: 16 images in 1.0, 1.2, 0.8 s (median 1.0 s -> 16 img/s); 2 ranks x 8 images in 0.8 s -> 20 img/s.
        var samples = new List<ScalingSample>
        {
            new("strong", 1, 1, 16, 0, 1.0, 0.0), new("strong", 1, 1, 16, 1, 1.2, 0.0), new("strong", 1, 1, 16, 2, 0.8, 0.0),
            new("strong", 2, 1, 8, 0, 0.8, 0.2), new("weak", 1, 1, 16, 0, 1.0, 0.0), new("weak", 2, 1, 16, 0, 1.6, 0.4),
        };
        var rows = ScalingReport.Rows(samples);
        var s1 = rows.Single(r => r is { Mode: "strong", Ranks: 1 });
        var s2 = rows.Single(r => r is { Mode: "strong", Ranks: 2 });
        var w2 = rows.Single(r => r is { Mode: "weak", Ranks: 2 });
        Assert.Equal((16.0, 1.0, 1.0, 3), (s1.ImagesPerSecond, s1.Speedup, s1.Efficiency, s1.Repeats));
        Assert.Equal(20.0, s2.ImagesPerSecond, 9);
        Assert.Equal(1.25, s2.Speedup, 9);
        Assert.Equal(0.625, s2.Efficiency, 9);
        Assert.Equal(0.25, s2.AllreduceShare, 9);
        // weak: 2 x 16 images in 1.6 s = 20 img/s against 16 -> efficiency 20 / (2 * 16).
        Assert.Equal(0.625, w2.Efficiency, 9);

        var csv = ScalingReport.Csv(rows).TrimEnd('\n').Split('\n');
        Assert.Equal("mode,ranks,threads_per_rank,batch_per_rank,global_batch,repeats,images_per_s,step_ms,allreduce_share,speedup,efficiency", csv[0]);
        Assert.Equal("strong,2,1,8,16,1,20.00,800.0,0.250,1.250,0.625", csv[2]);
        Assert.Equal(5, csv.Length);
        var svg = XDocument.Parse(ScalingReport.Svg(rows));
        var names = svg.Descendants(Svg + "g").Where(g => (string?)g.Attribute("class") == "series").Select(g => (string)g.Attribute("data-series")!).ToList();
        Assert.Equal(["strong, 1 thread(s)/rank", "strong, 1 t/r: linear", "weak, 1 thread(s)/rank", "weak, 1 t/r: linear"], names);
    }

    [Fact]
    public void Bench_scaling_runs_one_and_two_ranks_under_mpirun_and_writes_csv_markdown_svg()
    {
        var r = Cli.Run("bench", "scaling", "--ranks", "1,2", "--modes", "strong", "--batch", "4", "--size", "32", "--steps", "2",
            "--warmup", "1", "--repeats", "1", "--precision", "fp32", "--out", _dir);
        Assert.True(r.ExitCode == 0, r.Output);
        var csv = File.ReadAllLines(Path.Combine(_dir, "scaling.csv"));
        Assert.Equal(3, csv.Length);
        var cells = csv.Skip(1).Select(l => l.Split(',')).ToList();
        Assert.Equal(["1", "2"], cells.Select(c => c[1]));
        Assert.Equal(["4", "2"], cells.Select(c => c[3])); // strong: the global batch of 4 split over the ranks
        foreach (var c in cells)
        {
            Assert.True(double.Parse(c[6], CultureInfo.InvariantCulture) > 0, "images/s must be measured: " + string.Join(",", c));
            double share = double.Parse(c[8], CultureInfo.InvariantCulture);
            Assert.InRange(share, 0.0, 1.0);
        }
        Assert.Equal("1.000", cells[0][10]);
        var md = File.ReadAllText(Path.Combine(_dir, "scaling.md"));
        Assert.Contains("| strong | 2 | 1 | 2 | 4 | 1 |", md);
        var svg = XDocument.Load(Path.Combine(_dir, "scaling.svg"));
        Assert.Contains(svg.Descendants(Svg + "g"), g => (string?)g.Attribute("data-series") == "strong, 1 thread(s)/rank");
    }

    [Fact]
    public void Bench_scaling_rejects_a_batch_that_does_not_split_over_the_ranks()
    {
        var r = Cli.Run("bench", "scaling", "--ranks", "1,2", "--modes", "strong", "--batch", "3", "--out", _dir);
        Assert.Equal(2, r.ExitCode);
        Assert.Contains("--batch 3 does not split evenly over 2 ranks", r.Output);
        Assert.False(File.Exists(Path.Combine(_dir, "scaling.csv")));
    }
}
