namespace XRayHpc.Checkpoint;

/// <summary>One rank's running training-loss sum and sample count since the last evaluation.</summary>
public sealed class RankTrainLoss
{
    public double Sum { get; set; }
    public long Count { get; set; }
}
