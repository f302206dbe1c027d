namespace XRayHpc.Training.Run;

/// <summary>
/// What the trainer shows while it runs (world rank 0; other ranks' views show nothing). The console UI that
/// implements it lives in the CLI (XRayHpc.Cli.Terminal.ProgressView), so the training library carries no UI package.
/// </summary>
public interface ITrainingProgress
{
    /// <summary>Runs the training loop inside the view (a live table needs to own the console meanwhile).</summary>
    T Run<T>(Func<T> body);
    void Step(int epoch, long step, long total, double imagesPerS);
    /// <summary>A member's evaluation: its mean validation AUROC and hyperparameters.</summary>
    void Member(int member, double auroc, string hp);
    void Note(string text);
    /// <summary>The run's summary.json, at the end.</summary>
    void Summary(string summaryJson);
}
