using System.Globalization;
using System.Text.Json;
using NLog;
using XRayHpc.Checkpoint;
using XRayHpc.Determinism;
using XRayHpc.Mpi;
using XRayHpc.Torch;
using XRayHpc.Training.Config;
using XRayHpc.Training.Run;

namespace XRayHpc.Training.Train;

/// <summary>
/// Member checkpoints: each member root writes its member's set part (weights, optimizer, every rank's RNG, loss
/// sums and BatchNorm statistics, the typed <see cref="CheckpointState"/>); world rank 0 commits the set
/// (latest/best) once every member succeeded; a resume restores this rank's part of the latest complete set.
/// </summary>
public sealed class MemberCheckpoints(ExperimentConfig config, Communicator world, Communicator memberComm, Population population,
    RunLayout run, CheckpointStore store, TunerRound tuner, PopulationScores scores, Logger log)
{
    readonly bool _master = world.Rank == 0;
    public CheckpointOutcome Outcome { get; } = new();

    /// <summary>The step of the latest complete set (world rank 0 looks, every rank learns it); -1 when there is none.</summary>
    public long LatestComplete() => world.BcastArray<long>(_master ? [store.FindLatestComplete(population.Members) ?? -1] : null, 0)[0];

    /// <summary>Restores this rank's member from the set at <paramref name="step"/>: model, optimizer, counters, RNG, data cursor, and (rank 0) the tuner.</summary>
    public void Resume(long step, MemberState me, MemberData data, int classes)
    {
        var (state, dir) = store.Read(me.Member, step);
        me.SetPopulation(state.PopulationHyperparameters.Count > 0 ? state.PopulationHyperparameters
            : JsonSerializer.Deserialize<List<Dictionary<string, double>>>(state.Extra["population_hp"], RunJson.Options)!, state.PopulationNames);
        me.Hp = state.Hyperparameters;
        me.Names = state.Names;
        me.NewModel(config, memberComm, classes, Seeds.For(config.Run.Seed, "init", me.Member), me.Hp, log);
        var (weights, _) = Safetensors.Load(Path.Combine(dir, "model.safetensors"));
        var (opt, _) = Safetensors.Load(Path.Combine(dir, "optimizer.safetensors"));
        using (torch.no_grad()) me.Model.Net.load_state_dict(weights);
        me.Model.Optimizer.load_state_tensors(opt);
        foreach (var t in weights.Values.Concat(opt.Values)) t.Dispose();
        me.Step = state.Step; me.TrialStart = state.TrialStart; me.Round = state.Round; me.Skipped = state.SkippedSteps; me.BadInARow = state.ConsecutiveBadSteps;
        // This rank's own loss sums and BatchNorm statistics, when the checkpoint has them for this rank (same rank count).
        var r = memberComm.Rank;
        (me.LossSum, me.LossCount) = RankLoss(state, r);
        if (memberComm.Size > 1 && RankBatchNorm.Load(Path.Combine(dir, RankBatchNorm.FileName), r) is { } bn) RankBatchNorm.Restore(me.Model.Net, bn);
        me.Stopped = state.Stopped || state.Extra.GetValueOrDefault("stopped") == "true";
        RestoreScaler(state, me);
        if (state.Rng.TryGetValue($"torch.{r}", out var rng)) torch.set_rng_state(Convert.FromBase64String(rng));
        data.Seek(state.Epoch, state.BatchInEpoch, me.BatchSize);
        tuner.Restore(state.TunerState);
        Outcome.Saved(step);
        log.Info($"resumed member {me.Member} from {dir} (step {step}, epoch {state.Epoch}, batch {state.BatchInEpoch})");
    }

    /// <summary>Rank <paramref name="r"/>'s loss sum and count: typed, else the string keys of older checkpoints; zero when absent (another rank count).</summary>
    static (double Sum, long Count) RankLoss(CheckpointState state, int r)
    {
        if (state.TrainLoss.Count > 0) return r < state.TrainLoss.Count ? (state.TrainLoss[r].Sum, state.TrainLoss[r].Count) : (0, 0);
        var x = state.Extra;
        return (double.Parse(x.GetValueOrDefault($"train_loss_sum.{r}") ?? x.GetValueOrDefault("train_loss_sum") ?? "0", CultureInfo.InvariantCulture),
            long.Parse(x.GetValueOrDefault($"train_loss_count.{r}") ?? x.GetValueOrDefault("train_loss_count") ?? "0", CultureInfo.InvariantCulture));
    }

    /// <summary>
    /// Every rank calls this. Member roots write their member; the set is committed (latest/best) only when
    /// every member succeeded. A failed save is retried once (a flaky file system, space freed meanwhile); if the
    /// retry fails too it is reported and training goes on, and the end of the run reports the failure.
    /// </summary>
    public bool Save(MemberState me, MemberData data)
    {
        if (!config.Checkpoint.Enabled) return true;
        var tunerJson = tuner.SaveState();
        // Everything per rank travels to the member root; nothing here changes the live model (see RankBatchNorm).
        var ranks = new RankParts(
            memberComm.Allgatherv<byte>(torch.get_rng_state()),
            memberComm.Allgatherv<double>([me.LossSum, me.LossCount]),
            memberComm.Size > 1 ? memberComm.Allgatherv<double>(RankBatchNorm.Capture(me.Model.Net)) : null);
        string? error = null;
        for (int attempt = 0; attempt < 2; attempt++)
        {
            error = TryWriteSet(me, data, tunerJson, ranks, attempt);
            if (world.Allreduce(error == null ? 1 : 0, Op.Min) == 1)
            {
                Outcome.Saved(me.Step);
                log.Info($"checkpoint step {me.Step} written{(attempt > 0 ? " on the second attempt" : "")}");
                return true;
            }
            if (attempt == 0 && error != null) log.Warn($"checkpoint at step {me.Step} failed, retrying once: {error}");
        }
        if (error == "") error = "another member's checkpoint write failed (its first rank's log says why)";
        Outcome.Failed(error);
        if (error != null)
        {
            var previous = Outcome.PreviousSet(run.Checkpoints);
            log.Error($"CHECKPOINT FAILED twice at step {me.Step} (training continues; {previous}): {error}");
            Console.Error.WriteLine($"[xrayhpc] checkpoint failed at step {me.Step}, training continues; {previous}: {error}");
        }
        return false;
    }

    /// <summary>Null when checkpoints are off or the final set and a best checkpoint are on disk; else why the run failed (same on every rank).</summary>
    public string? Unsaved(long total)
    {
        if (!config.Checkpoint.Enabled) return null;
        if (Outcome.MissingFinal(total, run.Checkpoints) is { } missing) return missing;
        var best = !_master || store.ReadBest() is { } b && store.Verify(b.Member, b.Step) == null ? "" :
            $"no best checkpoint in {run.Checkpoints}: no evaluation gave a defined {config.Checkpoint.Metric}";
        best = world.BcastString(best, 0);
        return best.Length == 0 ? null : best;
    }

    /// <summary>Every member rank's RNG state, loss sums and (several ranks) BatchNorm statistics, gathered on the member root.</summary>
    sealed record RankParts(byte[][] Rngs, double[][] Losses, double[][]? BatchNorm);

    /// <summary>One attempt at writing and committing this step's set; null when this rank's part succeeded, else why not ("" when another member failed).</summary>
    string? TryWriteSet(MemberState me, MemberData data, string tunerJson, RankParts ranks, int attempt)
    {
        string? error = null;
        if (memberComm.Rank == 0)
        {
            try
            {
                store.WriteMember(StateOf(me, data, tunerJson, ranks), Files(me, ranks, attempt));
            }
            catch (CheckpointWriteException e) { error = e.Message; }
            catch (TorchException e) { error = $"checkpoint of member {me.Member} at step {me.Step}: {e.Message}"; }
        }
        bool allWritten = world.Allreduce(error == null ? 1 : 0, Op.Min) == 1;
        if (allWritten && _master)
        {
            try
            {
                bool higher = config.Checkpoint.Metric != "val_loss";
                var candidates = Enumerable.Range(0, population.Members).Select(m => (m, scores.CheckpointMetric(m))).ToList();
                foreach (var w in store.Commit(me.Step, population.Members, candidates, higher)) log.Warn(w);
            }
            catch (CheckpointWriteException e) { error = e.Message; }
        }
        // A member root whose own write succeeded still fails this attempt when another member's did not.
        return error ?? (allWritten ? null : "");
    }

    CheckpointState StateOf(MemberState me, MemberData data, string tunerJson, RankParts ranks)
    {
        var state = new CheckpointState
        {
            Member = me.Member, Step = me.Step, TrialStart = me.TrialStart, Round = me.Round, Epoch = data.Epoch, BatchInEpoch = data.BatchInEpoch,
            SkippedSteps = me.Skipped, ConsecutiveBadSteps = me.BadInARow,
            Hyperparameters = new Dictionary<string, double>(me.Hp),
            Names = new Dictionary<string, string>(me.Names),
            Metrics = { [config.Checkpoint.Metric] = scores.CheckpointMetric(me.Member) },
            TunerState = tunerJson,
            PopulationHyperparameters = me.PopulationHp.Select(hp => new Dictionary<string, double>(hp)).ToList(),
            PopulationNames = me.PopulationNames.Any(n => n.Count > 0) ? me.PopulationNames.Select(n => new Dictionary<string, string>(n)).ToList() : [],
            Stopped = me.Stopped,
            TrainLoss = ranks.Losses.Select(l => new RankTrainLoss { Sum = l[0], Count = (long)l[1] }).ToList(),
        };
        for (int r = 0; r < ranks.Rngs.Length; r++) state.Rng[$"torch.{r}"] = Convert.ToBase64String(ranks.Rngs[r]);
        if (me.Scaler is { } scaler) { state.GradScaler = scaler.state_dict(); state.OverflowSteps = me.Overflows; }
        return state;
    }

    /// <summary>The loss scaler's state and overflow count, when the checkpoint has them (a run that scaled its loss).</summary>
    static void RestoreScaler(CheckpointState state, MemberState me)
    {
        if (me.Scaler is not { } scaler) return;
        if (state.GradScaler.Count > 0) scaler.load_state_dict(state.GradScaler);
        me.Overflows = state.OverflowSteps;
    }

    List<(string, Action<string>)> Files(MemberState me, RankParts ranks, int attempt)
    {
        var files = new List<(string, Action<string>)>
        {
            ("model.safetensors", p =>
            {
                FaultInjection.CheckpointWrite(me.Step, attempt);
                var live = me.Model.ModelState();
                if (ranks.BatchNorm == null) { Safetensors.Save(p, live); return; }
                var (averaged, owned) = RankBatchNorm.Averaged(me.Model.Net, live, ranks.BatchNorm);
                try { Safetensors.Save(p, averaged); } finally { foreach (var t in owned) t.Dispose(); }
            }),
            ("optimizer.safetensors", p => { using var copies = torch.NewDisposeScope(); Safetensors.Save(p, me.Model.OptimizerState()); }),
        };
        if (ranks.BatchNorm != null) files.Add((RankBatchNorm.FileName, p => RankBatchNorm.Save(p, ranks.BatchNorm)));
        return files;
    }
}
