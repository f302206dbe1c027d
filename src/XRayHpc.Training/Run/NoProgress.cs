namespace XRayHpc.Training.Run;

/// <summary>Shows nothing (a trainer started without a view).</summary>
public sealed class NoProgress : ITrainingProgress
{
    public T Run<T>(Func<T> body) => body();
    public void Step(int epoch, long step, long total, double imagesPerS) { }
    public void Member(int member, double auroc, string hp) { }
    public void Note(string text) { }
    public void Summary(string summaryJson) { }
}
