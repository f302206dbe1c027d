using XRayHpc.Checkpoint;
using XRayHpc.Training.Config;
using XRayHpc.Training.Run;

namespace XRayHpc.Training.Train;

/// <summary>
/// A run's checkpoint named on the command line (best, latest or member-i/step-N), resolved to its directory,
/// with the run's resolved config. Shared by evaluate/predict (<see cref="Inference"/>) and cam/serve.
/// </summary>
public sealed record CheckpointRef(ExperimentConfig Config, int Member, long Step, string Dir)
{
    public string WeightsPath => Path.Combine(Dir, "model.safetensors");

    public static CheckpointRef Resolve(string runDir, string which, string? cacheOverride)
    {
        var resolved = new RunLayout(runDir).ResolvedConfig;
        var config = ConfigLoader.LoadFile(resolved, cacheOverride != null ? [$"data.cache={cacheOverride}"] : null);
        var store = new CheckpointStore(new RunLayout(runDir, config.Checkpoint.Dir).Checkpoints);
        var (member, step) = which switch
        {
            "best" => store.ReadBest() is { } b ? (b.Member, b.Step) : throw new FileNotFoundException($"{store.Root}: no best checkpoint recorded"),
            "latest" => (0, store.FindLatestComplete(config.Tuner.Population) ?? throw new FileNotFoundException($"{store.Root}: no complete checkpoint")),
            _ => ParseMemberStep(which),
        };
        var (state, dir) = store.Read(member, step);
        // A member of a categorical search has its own architecture and optimizer: the config seen by evaluate,
        // predict, select and cam is that member's.
        config.Model.Name = HyperparameterSets.ModelOf(config, state.Names);
        config.Optimizer.Name = HyperparameterSets.OptimizerOf(config, state.Names);
        return new CheckpointRef(config, member, step, dir);
    }

    static (int, long) ParseMemberStep(string s)
    {
        var p = s.Split('/');
        if (p.Length == 2 && p[0].StartsWith("member-") && p[1].StartsWith("step-")
            && int.TryParse(p[0][7..], out var m) && long.TryParse(p[1][5..], out var st)) return (m, st);
        throw new ArgumentException($"--checkpoint '{s}': expected best, latest or member-<i>/step-<N>");
    }
}
