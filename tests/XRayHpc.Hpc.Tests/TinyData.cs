namespace XRayHpc.Hpc.Tests;

/// <summary>A tiny synthetic pneumonia set (ChestXRay2017 layout, 32 px cache) and a matching experiment YAML.</summary>
public static class TinyData
{
    public static void Prepare(string workDir, string experimentPath, int images = 64, int size = 32)
    {
        var raw = Path.Combine(workDir, "raw");
        var cache = Path.Combine(workDir, "cache");
        if (!File.Exists(Path.Combine(cache, "manifest.yaml")))
        {
            var synth = Cli.Run("synth", "--layout", "chestxray2017", "--out", raw, "--count", images.ToString(), "--size", "64", "--seed", "5");
            Assert.True(synth.ExitCode == 0, "synth failed: " + synth.Output);
            var pre = Cli.Run("preprocess", "--layout", "chestxray2017", "--input", raw, "--output", cache, "--size", size.ToString());
            Assert.True(pre.ExitCode == 0, "preprocess failed: " + pre.Output);
        }
        // A few steps of ResNet-18 on 32 px images: seconds per run, but the real trainer, loader and checkpoints.
        File.WriteAllText(experimentPath, $"""
            run:
              name: tiny
              dir: runs/tiny
              seed: 1
            data:
              cache: {cache}
              batch_size: 8
              eval_batch_size: 32
              augment: false
            model:
              name: resnet18
              in_channels: 1
            optimizer:
              name: adam
              lr: 0.001
            schedule:
              epochs: 1
              max_steps: 4
            tuner:
              kind: none
              population: 1
              ready_steps: 4
            logging:
              progress: plain
            """);
    }
}
