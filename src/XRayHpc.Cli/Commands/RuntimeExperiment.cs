using System.Globalization;

namespace XRayHpc.Cli.Commands;

/// <summary>
/// The experiment file of a runtime measurement (`reproduce paper-runtime`, `bench train`): a 14-label multilabel
/// cache, Adam 1e-3, no augmentation, no tuner, one validation per <paramref name="readySteps"/>, no checkpoints,
/// plain progress. One definition, so the benchmark times exactly what the reproduction runs.
/// </summary>
internal static class RuntimeExperiment
{
    public static string Yaml(string title, string name, string runDir, string cache, long seed, int threads, int batchPerRank,
        string model, bool bf16, bool channelsLast, bool cosine, int epochs, long readySteps)
    {
        string I(long v) => v.ToString(CultureInfo.InvariantCulture);
        return $"""
            # {title}
            run:
              name: {name}
              dir: {runDir}
              seed: {I(seed)}
              threads: {I(threads)}
            data:
              cache: {cache}
              task: multilabel
              batch_size: {I(batchPerRank)}
              eval_batch_size: 64
              augment: false
              pos_weight: false
            model:
              name: {model}
              in_channels: 1
            optimizer:
              name: adam
              lr: 0.001
              weight_decay: 0
            schedule:
              name: {(cosine ? "cosine" : "constant")}
              epochs: {I(epochs)}
            precision:
              dtype: {(bf16 ? "bf16" : "fp32")}
              channels_last: {(channelsLast ? "true" : "false")}
            tuner:
              kind: none
              population: 1
              ready_steps: {I(Math.Max(1, readySteps))}
            checkpoint:
              enabled: false
            logging:
              progress: plain

            """;
    }
}
