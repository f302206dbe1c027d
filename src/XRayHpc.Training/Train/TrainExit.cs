namespace XRayHpc.Training.Train;

/// <summary>Exit codes the trainer returns (mirrors XRayHpc.Cli.ExitCodes, which job scripts rely on).</summary>
public static class TrainExit
{
    public const int Ok = 0;
    public const int Failure = 1;
    public const int BadInput = 2;
    public const int CheckpointedForRequeue = 75;
}
