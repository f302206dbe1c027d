using XRayHpc.Training.Config;
using XRayHpc.Tuning;

namespace XRayHpc.Training.Train;

/// <summary>
/// Learning rate as a pure function of (base lr, step): nothing to save or restore, so a resumed run and a
/// PBT member whose base lr was just perturbed both land exactly where an uninterrupted run would.
/// </summary>
public sealed class LrSchedule(ScheduleConfig config, long totalSteps)
{
    public long TotalSteps { get; } = Math.Max(1, totalSteps);

    /// <summary>
    /// The schedule of a trial that began at step <paramref name="trialStart"/> of a run of <paramref name="runSteps"/>
    /// steps; call <see cref="At"/> with the step counted from the trial's start. A new trial (an ASHA or random
    /// search restart) has fresh weights, so it gets its own warm-up and its own full schedule instead of
    /// inheriting the run's position (a trial started at step 200 of 240 would otherwise train only in the
    /// cosine tail). Its length: what is left of the run, and for ASHA at most a full trial (max_rounds ready
    /// intervals, after which the tuner ends it). PBT members never restart (exploit continues the source's
    /// schedule) and ASHA's first trials keep the run's schedule when a trial is at least as long as the run.
    /// </summary>
    public static LrSchedule ForTrial(ExperimentConfig config, long runSteps, long trialStart)
    {
        long left = runSteps - trialStart;
        long trial = config.Tuner.Kind == TunerKind.Asha ? config.Tuner.MaxRounds * config.Tuner.ReadySteps : long.MaxValue;
        return new LrSchedule(config.Schedule, Math.Min(left, trial));
    }

    /// <summary>The learning rate a member's step <paramref name="step"/> (1-based) trains with: its trial's schedule at
    /// its base lr. The trainer applies it; metrics.jsonl records it as scheduled_lr.</summary>
    public static double Applied(ExperimentConfig config, long runSteps, long trialStart, double baseLr, long step) =>
        ForTrial(config, runSteps, trialStart).At(baseLr, step - 1 - trialStart);

    public double At(double baseLr, long step)
    {
        long warm = config.WarmupSteps;
        if (warm > 0 && step < warm && config.Name != ScheduleKind.Onecycle)
            return baseLr * (step + 1) / warm;
        double minLr = Math.Min(config.MinLr, baseLr);
        switch (config.Name)
        {
            case ScheduleKind.Constant:
                return baseLr;
            case ScheduleKind.Step:
                return baseLr * Math.Pow(config.Gamma, (step - warm) / config.StepSize);
            case ScheduleKind.Cosine:
            {
                double t = Math.Clamp((double)(step - warm) / Math.Max(1, TotalSteps - warm), 0, 1);
                return minLr + (baseLr - minLr) * 0.5 * (1 + Math.Cos(Math.PI * t));
            }
            case ScheduleKind.Onecycle:
            {
                // Leslie Smith's one-cycle as in torch's OneCycleLR (cosine annealing, 30 % rise, div 25, final div 1e4).
                double peak = baseLr, start = peak / 25, end = start / 1e4;
                long rise = Math.Max(1, (long)(0.3 * TotalSteps));
                if (step < rise) return Anneal(start, peak, (double)step / rise);
                return Anneal(peak, end, Math.Clamp((double)(step - rise) / Math.Max(1, TotalSteps - rise), 0, 1));
            }
            default:
                throw new ArgumentOutOfRangeException(nameof(config), config.Name, "unknown schedule");
        }
    }

    static double Anneal(double from, double to, double t) => to + (from - to) / 2 * (1 + Math.Cos(Math.PI * t));
}
