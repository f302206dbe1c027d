using System.CommandLine;
using XRayHpc.Cli.Terminal;
using XRayHpc.Mpi;
using XRayHpc.Training.Config;
using XRayHpc.Training.Run;
using XRayHpc.Training.Train;

namespace XRayHpc.Cli.Commands;

/// <summary>
/// `xrayhpc train <experiment.yaml> [--set a.b=c]... [--resume] [--replay lineage.jsonl --member i]`, launched
/// by mpirun/srun. Exit codes: 0 done, 2 bad config/input (nothing written), 75 checkpointed after
/// SIGUSR1/SIGTERM (requeue and rerun with --resume), 1 any other failure (the whole job aborts).
/// </summary>
public sealed class TrainCommand : ICliCommand
{
    public int Order => 30;

    public Command Build()
    {
        var config = new Argument<string>("experiment") { Description = "Experiment YAML (see jobs/experiments/)" };
        var set = new Option<string[]>("--set") { Description = "Override a config key: --set optimizer.lr=0.01 (repeatable; values are YAML)", AllowMultipleArgumentsPerToken = false };
        var resume = new Option<bool>("--resume") { Description = "Continue from the latest complete checkpoint set in run.dir (the config may change only the keys the README lists)" };
        var overwrite = new Option<bool>("--overwrite") { Description = "Replace the run already in run.dir (refused without it)" };
        var replay = new Option<string?>("--replay") { Description = "lineage.jsonl of an earlier run: retrain one member's hyperparameter schedule alone" };
        var member = new Option<int>("--member") { Description = "With --replay: the member whose schedule to retrain", DefaultValueFactory = _ => 0 };
        var cmd = new Command("train", "Train a population of models data-parallel over MPI ranks, tuned by PBT/ASHA/random search, with checkpoints.");
        cmd.Arguments.Add(config);
        foreach (var o in new Option[] { set, resume, overwrite, replay, member }) cmd.Options.Add(o);
        cmd.SetAction(r => Run(r.GetValue(config)!, r.GetValue(set) ?? [], r.GetValue(resume), r.GetValue(replay), r.GetValue(member), r.GetValue(overwrite)));
        return cmd;
    }

    static bool IsLauncherRank0() => LaunchEnvironment.Current.IsRank0;

    public static int Run(string configPath, string[] overrides, bool resume, string? replay, int replayMember, bool overwrite = false)
    {
        // Everything that can be wrong with the input is checked before MPI starts and before anything is written.
        ExperimentConfig cfg;
        try
        {
            var sets = overrides.ToList();
            if (replay != null) sets.AddRange(["tuner.kind=none", "tuner.population=1"]);
            cfg = ConfigLoader.LoadFile(configPath, sets);
            ConfigPaths.MakeAbsolute(cfg);
            var problems = new List<ConfigProblem>();
            if (!File.Exists(Path.Combine(cfg.Data.Cache, "manifest.yaml")))
                problems.Add(new ConfigProblem(configPath, 0, 0, "data.cache", $"no preprocessed cache at '{cfg.Data.Cache}' (manifest.yaml missing; run `xrayhpc preprocess` first)"));
            if (replay != null && !File.Exists(replay))
                problems.Add(new ConfigProblem("--replay", 0, 0, "", $"lineage file '{replay}' not found"));
            if (problems.Count > 0) throw new ConfigException(problems);
        }
        catch (ConfigException e)
        {
            if (IsLauncherRank0()) Console.Error.WriteLine("train: invalid configuration:\n  " + string.Join("\n  ", e.Problems));
            return ExitCodes.BadInput;
        }

        using var mpi = new MpiEnvironment();
        return MpiEnvironment.RunGuarded(() =>
        {
            CollectiveWatch.SetSeconds(cfg.Run.CollectiveTimeout);
            Trainer trainer;
            try { trainer = new Trainer(cfg, new TrainOptions
                {
                    Resume = resume, Overwrite = overwrite, ReplayLineage = replay, ReplayMember = replayMember,
                    Progress = new ProgressView(cfg.Logging.Progress, Communicator.world.Rank == 0),
                }, Communicator.world); }
            catch (Exception e) when (e is ArgumentException or RunDirectoryException) // e.g. world size not a multiple of the population, run.dir in use: same verdict on every rank
            {
                if (Communicator.world.Rank == 0) Console.Error.WriteLine($"train: {e.Message}");
                return ExitCodes.BadInput;
            }
            using var owned = trainer;
            return trainer.Run();
        });
    }
}
