using System.Diagnostics;
using System.Text;
using NLog;
using XRayHpc.Cache;
using XRayHpc.Checkpoint;
using XRayHpc.Determinism;
using XRayHpc.Loader;
using XRayHpc.Mpi;
using XRayHpc.Torch;
using XRayHpc.Training.Config;
using XRayHpc.Training.Metrics;
using XRayHpc.Training.Run;
using XRayHpc.Tuning;

namespace XRayHpc.Training.Train;

/// <summary>
/// The training job on one rank, nanoGPT-style: one loop, read top to bottom. The world is split into P
/// members (member i = ranks [i·N/P, (i+1)·N/P)); each member trains data-parallel on its own communicator;
/// at every ready point all members evaluate, world rank 0 asks the tuner, and the decisions are broadcast.
/// Its parts: <see cref="TunerRound"/> (PBT execution), <see cref="MemberCheckpoints"/> (save/resume),
/// <see cref="FinalEvaluation"/> (test split, predictions, summary), <see cref="Losses"/> (forward and loss).
/// </summary>
public sealed class Trainer : IDisposable
{
    readonly ExperimentConfig _cfg;
    readonly TrainOptions _opt;
    readonly Communicator _world;
    readonly Communicator _comm; // this member's ranks
    readonly Population _pop;
    readonly bool _master; // world rank 0: the only rank that writes run files and the console (nanoGPT's master_process)
    readonly RunLayout _run;
    readonly CheckpointStore _store;
    readonly Logger _log;
    readonly CacheManifest _manifest;
    readonly bool _multiClass;
    readonly int _threads;
    readonly Stopwatch _clock = Stopwatch.StartNew();
    readonly RunDirectoryLock? _lock; // world rank 0 only

    readonly MemberState _me;
    readonly Throughput _throughput = new();
    readonly PhaseClock _phases = new(); // where this rank's time goes (metrics.jsonl phase_s)
    readonly PopulationScores _scores;
    readonly TunerRound _tuner;
    readonly MemberCheckpoints _checkpoints;

    public Trainer(ExperimentConfig config, TrainOptions options, Communicator world)
    {
        _cfg = config;
        _opt = options;
        _world = world;
        _pop = Population.Create(world.Size, config.Tuner.Population);
        // Before the run directory is claimed: a rank without its device fails the job with nothing written.
        var device = TrainDevice.ForRank(config, world);
        _me = new MemberState(_pop.MemberOf(world.Rank), device);
        _comm = world.Split(_me.Member, world.Rank) ?? throw new InvalidOperationException("MPI_Comm_split gave no communicator");
        _master = world.Rank == 0;
        _run = new RunLayout(config.Run.Dir, config.Checkpoint.Dir);
        _manifest = CacheManifest.Load(config.Data.Cache);
        if (CacheFitness.Problems(config, _manifest, _pop.RanksPerMember) is { Count: > 0 } unfit)
            throw new ArgumentException("the cache cannot train this experiment:\n  " + string.Join("\n  ", unfit));
        if (ShardVerification.Run(config, _manifest, world) is { Count: > 0 } corrupt)
            throw new ArgumentException("data.verify: full: the cache does not match its manifest:\n  " + string.Join("\n  ", corrupt));
        var notes = new List<string>();
        _lock = RunClaim.ClaimOnRank0(world, _run, config, options.Resume, options.Overwrite, notes);
        _log = RankLog.Configure(_run, world.Rank, config.Logging.Level);
        foreach (var n in notes) { _log.Warn(n); Console.Error.WriteLine($"train: {n}"); }
        _store = new CheckpointStore(_run.Checkpoints, config.Checkpoint.KeepLast);
        _threads = ThreadCount(config);
        torch.set_num_threads(_threads);
        _multiClass = config.Data.Task == TaskKind.Multiclass;
        _scores = new PopulationScores(config);
        _tuner = new TunerRound(config, world, _comm, _pop, _log);
        _checkpoints = new MemberCheckpoints(config, world, _comm, _pop, _run, _store, _tuner, _scores, _log);
        _log.Info($"rank {world.Rank}/{world.Size} (pid {Environment.ProcessId}): member {_me.Member} (member rank {_comm.Rank}/{_comm.Size}), {_threads} torch threads, torch {torch.version}, device {device} (run.device: {ConfigNames.EnumValue(config.Run.Device)}, precision {ConfigNames.EnumValue(config.Precision.Dtype)}{(config.Precision.Scaled ? ", loss scaling" : "")})");
    }

    /// <summary>Releases the run directory (world rank 0 holds its lock).</summary>
    public void Dispose() => _lock?.Dispose();

    /// <summary>config > SLURM_CPUS_PER_TASK > cores / ranks on this node.</summary>
    public static int ThreadCount(ExperimentConfig config) =>
        config.Run.Threads > 0 ? config.Run.Threads : LaunchEnvironment.Current.ThreadsPerRank(Environment.ProcessorCount);

    public int Run()
    {
        using var stop = AgreedSignal.CheckpointAndRequeue();
        stop.Received = sig => _log.Warn($"signal {sig} received; last step started: {_me.Step}");
        var progress = _opt.Progress;
        var classes = _manifest.ClassNames;
        Tensor? posWeight = !_multiClass && _cfg.Data.PosWeight
            ? Losses.ToDevice(torch.tensor(LabelStats.PosWeight(_cfg.Data.Cache, "train"), [classes.Count]), _me.Device) : null;
        var evaluator = new Evaluator(_cfg, _comm, _multiClass, posWeight);
        var replay = _opt.ReplayLineage != null ? ReplaySchedule.Load(_opt.ReplayLineage, _opt.ReplayMember) : null;
        var metricsFile = new JsonLinesFile(_run.Metrics);
        var lineageFile = new JsonLinesFile(_run.Lineage);

        var batchCounts = MemberData.BatchCountsPerRank(_cfg, _pop.RanksPerMember, _cfg.Data.BatchSize);
        long stepsPerEpoch = batchCounts.Max();
        long total = _cfg.Schedule.MaxSteps > 0 ? _cfg.Schedule.MaxSteps : _cfg.Schedule.Epochs * stepsPerEpoch;
        using var data = new MemberData(_cfg, _me.Member, _comm.Rank, _comm.Size);

        // ---- the latest complete checkpoint set, or every member's initial hyperparameters ----
        long resumeStep = _opt.Resume ? _checkpoints.LatestComplete() : -1;
        if (_opt.Resume && resumeStep < 0) _log.Warn($"--resume: no complete checkpoint in {_run.Checkpoints}; starting fresh");
        if (_master && _opt.Resume && resumeStep < 0) Console.Error.WriteLine($"train: --resume: no complete checkpoint in {_run.Checkpoints}; starting fresh");
        if (resumeStep >= 0) _checkpoints.Resume(resumeStep, _me, data, classes.Count);
        else StartFresh(replay, classes.Count);
        if (_master && resumeStep >= 0) { metricsFile.TruncateAfter(resumeStep); lineageFile.TruncateAfter(resumeStep); }
        if (_master && resumeStep < 0)
        {
            File.Delete(_run.Metrics); File.Delete(_run.Lineage);
            lineageFile.Append(_me.PopulationHp.Select((hp, m) => RunJson.Line(new LineageLine { Round = 0, Step = 0, Target = m, Kind = "initial", New = hp, NewNames = LineageLine.NamesOrNull(_me.PopulationNames[m]) })));
        }
        _log.Info($"member {_me.Member}: {total} steps ({stepsPerEpoch} per epoch), hp {HyperparameterSets.Describe(_me.Hp, _me.Names)}, starting at step {_me.Step}");
        if (_master && MemberData.ImbalanceWarning(batchCounts, _cfg.Data.Cache) is { } imbalance) { _log.Warn(imbalance); progress.Note($"warning: {imbalance}"); }
        progress.Note($"training {_cfg.Run.Name}: {_pop.Members} member(s) x {_pop.RanksPerMember} rank(s), {total} steps, {_threads} threads/rank");

        int exit = progress.Run(() =>
        {
            while (_me.Step < total)
            {
                _phases.Lap(StepPhase.Other);
                // Signals arrive on one rank at a time; act only once every rank agrees, at a step boundary.
                if (stop.RaisedOnAnyRank(_world))
                {
                    _log.Warn($"stop signal at step {_me.Step}: checkpointing for requeue");
                    progress.Note($"signal received: checkpointing at step {_me.Step} and exiting with {ExitCodes.CheckpointedForRequeue}");
                    return _checkpoints.Save(_me, data) ? ExitCodes.CheckpointedForRequeue : ExitCodes.Failure;
                }

                TrainStep(data, total, posWeight);
                _log.Debug($"step {_me.Step} done");
                progress.Step(data.Epoch, _me.Step, total, _throughput.ImagesPerS * _pop.Members);

                if (_me.Step % _cfg.Tuner.ReadySteps == 0 || _me.Step == total)
                {
                    ReadyPoint(evaluator, data, metricsFile, lineageFile, progress, total, classes.Count);
                    if (_me.Round % _cfg.Checkpoint.EveryRounds == 0 || _me.Step == total) _checkpoints.Save(_me, data);
                    _phases.Lap(StepPhase.Checkpoint);
                }
                // A replayed schedule changes where the original's tuner did: after that step's evaluation.
                if (replay?.ChangeAt(_me.Step) is { } replayHp)
                {
                    _me.Hp = _me.PopulationHp[0] = HyperparameterSets.Overwrite(HyperparameterSets.FromConfig(_cfg), replayHp);
                    data.ChangeBatchSize(_me.BatchSize);
                }
            }
            return ExitCodes.Ok;
        });
        if (exit != ExitCodes.Ok) return exit;

        var unsaved = _checkpoints.Unsaved(total);
        new FinalEvaluation(_cfg, _world, _comm, _pop, _run, _store, classes, _multiClass, _threads, _log)
            .Run(evaluator, _me, _scores, _throughput, _phases, _clock, total, _checkpoints.Outcome.LastSaved, unsaved, progress);
        if (unsaved == null) return ExitCodes.Ok;
        _log.Error($"run incomplete: {unsaved}");
        if (_master) Console.Error.WriteLine($"train: FAILED: {unsaved}");
        return ExitCodes.Failure;
    }

    void StartFresh(ReplaySchedule? replay, int classes)
    {
        var (hp, names) = _tuner.Start(replay);
        _me.SetPopulation(hp, names);
        _me.NewModel(_cfg, _comm, classes, Seeds.For(_cfg.Run.Seed, "init", _me.Member), _me.Hp, _log);
    }

    // ---- one optimizer step of this member ----------------------------------------------------------

    void TrainStep(MemberData data, long total, Tensor? posWeight)
    {
        _me.Step++;
        CollectiveWatch.Step = _me.Step; // named by a collective timeout
        if (_me.Stopped) return; // a stopped trial's ranks only take part in the world's collectives
        var t0 = Stopwatch.GetTimestamp();
        _phases.Lap(StepPhase.Other);
        var batch = data.Next();
        _phases.Lap(StepPhase.Data);
        int n = batch?.Count ?? 0;
        double lossValue = 0, allreduce = 0;
        using (var scope = torch.NewDisposeScope())
        {
            _me.Model.Apply(_me.Hp, LrSchedule.Applied(_cfg, total, _me.TrialStart, _me.Hp["lr"], _me.Step));
            var x = n > 0 ? Losses.Input(batch!, _cfg.Model.InChannels, _cfg.Precision.ChannelsLast, _me.Device) : null;
            _phases.Lap(StepPhase.Input);
            Tensor? loss = null;
            if (n > 0)
            {
                var logits = Losses.Logits(_me.Model.Net, x!, TrainDevice.Autocast(_cfg.Precision.Dtype, _me.Device));
                loss = Losses.Loss(logits, batch!, _multiClass, posWeight);
                lossValue = loss.item<float>();
            }
            _phases.Lap(StepPhase.Forward);
            bool finite = double.IsFinite(lossValue) && !FaultInjection.NanLoss(_me.Member, _me.Step);
            // One rank's NaN poisons the averaged gradient: the member skips the step together.
            bool skip = _comm.Any(!finite);
            _phases.Lap(StepPhase.Sync);
            if (skip)
            {
                _me.Skipped++; _me.BadInARow++;
                _log.Warn($"member {_me.Member} step {_me.Step}: non-finite loss, step skipped ({_me.Skipped} so far)");
            }
            else
            {
                var scaler = _me.Scaler;
                _me.Model.Optimizer.zero_grad();
                (loss is null || scaler is null ? loss : scaler.scale_loss(loss))?.backward();
                FaultInjection.InfGradient(_me.Member, _comm.Rank, _me.Step, _me.Model.Net);
                _phases.Lap(StepPhase.Backward);
                _me.Dp.SynchronizeGradients(n);
                allreduce = _me.Dp.LastBreakdownSeconds.Communicate;
                _phases.Lap(StepPhase.Allreduce);
                scaler?.unscale_(_me.Model.Optimizer); // clipping sees the true gradients
                if (_cfg.Optimizer.GradClip > 0) XRayHpc.Torch.nn.utils.clip_grad_norm_(_me.Model.Net.parameters().Where(p => p.requires_grad), _cfg.Optimizer.GradClip);
                // Every rank of the member holds the same averaged gradients, and one rank's inf/NaN makes the
                // allreduced sum non-finite on all of them: the scaler's skip decision agrees without a collective.
                bool stepped = scaler?.step(_me.Model.Optimizer) ?? StepAlways(_me.Model.Optimizer);
                scaler?.update();
                if (stepped)
                {
                    _me.BadInARow = 0;
                    _me.LossSum += lossValue * n; _me.LossCount += n;
                }
                else
                {
                    // Counted exactly like a non-finite loss (skipped, bad in a row), and separately as an overflow.
                    _me.Skipped++; _me.BadInARow++; _me.Overflows++;
                    _log.Warn($"member {_me.Member} step {_me.Step}: gradient overflow, step skipped, loss scale now {scaler!.get_scale()} ({_me.Skipped} skipped so far, {_me.Overflows} overflows)");
                }
            }
        }
        _phases.Lap(StepPhase.Optimizer); // the step's tensors are freed with the scope, above
        _throughput.AddStep(n, _comm.Size, Stopwatch.GetElapsedTime(t0).TotalSeconds, allreduce);
    }

    static bool StepAlways(XRayHpc.Torch.optim.Optimizer optimizer)
    {
        optimizer.step();
        return true;
    }

    // ---- evaluate, record, tune ---------------------------------------------------------------------

    void ReadyPoint(Evaluator evaluator, MemberData data, JsonLinesFile metricsFile, JsonLinesFile lineageFile, ITrainingProgress progress, long total, int classes)
    {
        bool final = _me.Step == total;
        _me.Round++;
        var phase = Stopwatch.StartNew(); // where a round's time outside training goes, for the rank log
        if (_comm.Size > 1) _me.Dp.AverageBatchNormStatistics(); // ranks of a member then hold identical state
        var loss = new[] { _me.LossSum, _me.LossCount };
        _comm.Allreduce(loss.AsSpan(), Op.Sum);
        var val = evaluator.Run(_me.Model, "val");
        var report = ClassificationMetrics.Compute(val.Scores, val.Labels, val.Mask, _manifest.ClassNames, _multiClass,
            ClassificationMetrics.ChooseThresholds(val.Scores, val.Labels, val.Mask, classes));
        bool failed = _me.BadInARow >= _cfg.Tuner.MaxBadSteps || !double.IsFinite(report.MeanAuroc) || !double.IsFinite(val.MeanLoss);
        double evalSeconds = phase.Elapsed.TotalSeconds;
        _phases.Lap(StepPhase.Evaluation);
        // Only the member's first rank sends its record (below); the other ranks would hash the state for nothing.
        var rec = RoundRecord.Of(_cfg, _me, total, data.Epoch, _clock.Elapsed.TotalSeconds, loss, val, report, failed, _throughput,
            _comm.Rank == 0 ? _me.Model.Checksum() : "") with { PhaseS = _phases.TakeSinceRecord() };
        _throughput.StartRound(); _me.LossSum = 0; _me.LossCount = 0;

        // Every member root's record reaches every rank (Allgatherv), so rank 0 sees the whole population.
        var mine = _comm.Rank == 0 ? Encoding.UTF8.GetBytes(RunJson.Line(rec)) : [];
        var records = _world.Allgatherv<byte>(mine).Where(b => b.Length > 0)
            .Select(b => RunJson.Parse<MetricsRecord>(Encoding.UTF8.GetString(b))).OrderBy(r => r.Member).ToList();
        foreach (var r in records) { _scores.Update(r); progress.Member(r.Member, r.MeanAuroc, HyperparameterSets.Describe(_me.PopulationHp[r.Member], _me.PopulationNames[r.Member])); }
        if (_master) metricsFile.Append(records.Select(RunJson.Line));
        _log.Info($"round {_me.Round} step {_me.Step}: member {_me.Member} val mean AUROC {rec.MeanAuroc:F4} loss {rec.ValLoss:F4} {(failed ? "FAILED" : "")}" +
                  $" (evaluation {evalSeconds:F3} s, record {phase.Elapsed.TotalSeconds - evalSeconds:F3} s)");

        _phases.Lap(StepPhase.Evaluation);
        if (final || _cfg.Tuner.Kind == TunerKind.None) return;
        var lineage = _tuner.Run(records, _scores, _me, data, classes);
        if (_master && lineage.Count > 0)
        {
            lineageFile.Append(lineage.Select(RunJson.Line));
            foreach (var l in lineage) progress.Note($"round {l.Round}: member {l.Target} {l.Kind}{(l.Source is { } s ? $" from member {s} (checksums {l.SourceChecksum} -> {l.TargetChecksum})" : "")}, hp {HyperparameterSets.Describe(l.New, l.NewNames)}{(l.OptimizerState is { } os ? $", optimizer state {os}" : "")}");
        }
        _phases.Lap(StepPhase.Tuner);
    }
}
