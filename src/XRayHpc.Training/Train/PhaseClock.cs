using System.Diagnostics;

namespace XRayHpc.Training.Train;

/// <summary>
/// Splits wall-clock time into <see cref="StepPhase"/>s with laps: <see cref="Lap"/> charges the time since the
/// previous lap to one phase, so nothing is counted twice or lost between phases. A lap is one timestamp read and
/// one add (tens of nanoseconds; a step has about ten), cheap enough to be always on. On CUDA the forward and
/// backward laps would measure kernel launches, not kernels (no synchronisation is added for the clock).
/// </summary>
public sealed class PhaseClock
{
    static readonly StepPhase[] All = Enum.GetValues<StepPhase>();
    readonly double[] _sinceRecord = new double[All.Length];
    readonly double[] _total = new double[All.Length];
    long _last = Stopwatch.GetTimestamp();

    /// <summary>Charges the time since the previous lap to <paramref name="phase"/>.</summary>
    public void Lap(StepPhase phase)
    {
        long now = Stopwatch.GetTimestamp();
        double s = (now - _last) / (double)Stopwatch.Frequency;
        _last = now;
        _sinceRecord[(int)phase] += s;
        _total[(int)phase] += s;
    }

    /// <summary>Seconds per phase since the previous call (rounded to microseconds), then starts a new interval.</summary>
    public Dictionary<string, double> TakeSinceRecord()
    {
        var d = Named(_sinceRecord);
        Array.Clear(_sinceRecord);
        return d;
    }

    /// <summary>Seconds per phase since the clock was made, in <see cref="StepPhase"/> order (for reductions).</summary>
    public double[] Totals() => (double[])_total.Clone();

    public static Dictionary<string, double> Named(IReadOnlyList<double> seconds) =>
        All.ToDictionary(p => Name(p), p => Math.Round(seconds[(int)p], 6));

    public static string Name(StepPhase p) => p.ToString().ToLowerInvariant();
}
