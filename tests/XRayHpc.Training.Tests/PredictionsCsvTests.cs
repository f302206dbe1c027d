using XRayHpc.Training.Train;

namespace XRayHpc.Training.Tests;

public sealed class PredictionsCsvTests : IDisposable
{
    readonly string _dir = Directory.CreateTempSubdirectory("xrayhpc-pred-").FullName;
    public void Dispose() { try { Directory.Delete(_dir, true); } catch (IOException) { } }

    [Fact]
    public void EveryRowAndClassIsWritten_WithTheMember_AndAMaskedLabelIsEmpty()
    {
        // Two rows x two classes; row 11's second class is masked (uncertain): written with an empty label.
        var s = new SplitScores(Scores: [0.25f, 0.75f, 0.1f, 0.9f], Labels: [0, 1, 1, 1], Mask: [1, 1, 1, 0], Rows: [10, 11], LossSum: 0, Samples: 2);
        var path = Path.Combine(_dir, "p.csv");
        PredictionsCsv.Write(path, member: 3, s, ["Effusion", "Edema"]);
        Assert.Equal(
            ["member,row,class,score,label", "3,10,Effusion,0.25,0", "3,10,Edema,0.75,1", "3,11,Effusion,0.1,1", "3,11,Edema,0.9,"],
            File.ReadAllLines(path));
    }
}
