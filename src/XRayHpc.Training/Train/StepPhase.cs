namespace XRayHpc.Training.Train;

/// <summary>
/// Where a rank's wall-clock time goes (metrics.jsonl <c>phase_s</c>). Every second of the training loop belongs to
/// exactly one phase, so the phases add up to the wall time between two records.
/// </summary>
public enum StepPhase
{
    /// <summary>Waiting for the loader's next batch (the loader runs ahead on its own threads: ideally ~0).</summary>
    Data,
    /// <summary>Hyperparameters applied and the batch turned into input tensors (copy, channels-last).</summary>
    Input,
    /// <summary>Forward pass and loss (on CPU the ops run synchronously, so this is their compute time).</summary>
    Forward,
    /// <summary>The member's agreement that every rank's loss is finite: mostly waiting for the slowest rank.</summary>
    Sync,
    Backward,
    /// <summary>Gradient allreduce, including copies into and out of the buckets.</summary>
    Allreduce,
    /// <summary>Gradient clipping, optimizer step, freeing the step's tensors.</summary>
    Optimizer,
    /// <summary>Validation at ready points (BatchNorm statistics averaging, forward passes, metrics, records).</summary>
    Evaluation,
    Checkpoint,
    /// <summary>Tuner decisions, their broadcast and exploit copies.</summary>
    Tuner,
    /// <summary>Everything else in the loop: progress output, logging, signal checks.</summary>
    Other,
}
