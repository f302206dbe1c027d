using XRayHpc.Training.Run;

namespace XRayHpc.Training.Tests;

public class RunJsonTests
{
    [Fact]
    public void UndefinedMetrics_AreWrittenAsNull_AndReadBackAsNaN_NeverAsTheStringNaN()
    {
        var rec = new MetricsRecord { Member = 1, MeanAuroc = double.NaN, ValLoss = 0.25, Auroc = new() { ["Pneumonia"] = double.NaN, ["Edema"] = 0.75 } };
        var line = RunJson.Line(rec);
        Assert.Contains("\"mean_auroc\":null", line);
        Assert.Contains("\"Pneumonia\":null", line);
        Assert.Contains("\"val_loss\":0.25", line);
        Assert.DoesNotContain("NaN", line);
        var back = RunJson.Parse<MetricsRecord>(line);
        Assert.True(double.IsNaN(back.MeanAuroc));
        Assert.True(double.IsNaN(back.Auroc["Pneumonia"]));
        Assert.Equal(0.75, back.Auroc["Edema"]);
        // Lines written before this change ("NaN" strings) still read.
        Assert.True(double.IsNaN(RunJson.Parse<MetricsRecord>("{\"member\":0,\"mean_auroc\":\"NaN\"}").MeanAuroc));
    }
}
