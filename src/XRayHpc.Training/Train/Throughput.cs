namespace XRayHpc.Training.Train;

/// <summary>
/// Images and seconds of this rank's training steps: since the last ready point (metrics.jsonl, the progress
/// view) and for the whole run (summary.json). Evaluation, checkpoints and the tuner are not step time.
/// </summary>
public sealed class Throughput
{
    double _images, _seconds, _allreduce;            // since the last ready point; images member-wide
    public double TotalImages { get; private set; }   // this rank's own
    public double TotalSeconds { get; private set; }
    public double TotalAllreduceSeconds { get; private set; }

    /// <param name="images">this rank's batch</param><param name="memberRanks">ranks of the member (all take equal shares)</param>
    public void AddStep(int images, int memberRanks, double seconds, double allreduceSeconds)
    {
        _images += images * memberRanks; _seconds += seconds; _allreduce += allreduceSeconds;
        TotalImages += images; TotalSeconds += seconds; TotalAllreduceSeconds += allreduceSeconds;
    }

    /// <summary>Member images/s since the last ready point (0 before the first step).</summary>
    public double ImagesPerS => _seconds > 0 ? _images / _seconds : 0;
    /// <summary>Share of step time blocked in the gradient allreduce since the last ready point.</summary>
    public double AllreduceShare => _seconds > 0 ? _allreduce / _seconds : 0;

    public void StartRound() => _images = _seconds = _allreduce = 0;
}
