using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using NLog;
using XRayHpc.Cache;
using XRayHpc.Checkpoint;
using XRayHpc.Distributed;
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
/// </summary>
public sealed class Trainer : IDisposable
{
    readonly ExperimentConfig _cfg;
    readonly TrainOptions _opt;
    readonly Communicator _world;
    readonly Population _pop;
    readonly int _member;
    readonly Communicator _comm; // this member's ranks
    readonly RunLayout _run;
    readonly CheckpointStore _store;
    readonly Logger _log;
    readonly bool _rank0;
    readonly CacheManifest _manifest;
    readonly bool _multiClass;
    readonly int _threads;
    readonly Stopwatch _clock = Stopwatch.StartNew();
    readonly CheckpointOutcome _checkpoints = new();
    readonly RunDirectoryLock? _lock; // world rank 0 only

    // Member state on this rank (everything below is saved in checkpoints).
    MemberModel _model = null!;
    MemberData _data = null!;
    DataParallel _dp = null!;
    Dictionary<string, double> _hp = new();
    long _step;
    int _round;
    long _skipped, _badInARow;
    double _lossSum; long _lossCount; // training loss since the last ready point (member-wide after reduction)
    bool _stopped;
    ITuner? _tuner; // world rank 0 only
    readonly List<Dictionary<string, double>> _allHp = new(); // every member's hp (rank 0's view, broadcast)
    double _imagesSinceReady; double _secondsSinceReady; double _allreduceSinceReady;
    double _totalImages; double _trainSeconds; double _allreduceSeconds;
    readonly Dictionary<int, double> _lastScore = new(); // tuner metric, higher is better
    readonly Dictionary<int, MetricsRecord> _lastRecord = new();
    readonly PhaseClock _phases = new(); // where this rank's time goes (metrics.jsonl phase_s)

    public Trainer(ExperimentConfig config, TrainOptions options, Communicator world)
    {
        _cfg = config;
        _opt = options;
        _world = world;
        _pop = Population.Create(world.Size, config.Tuner.Population);
        _member = _pop.MemberOf(world.Rank);
        _comm = world.Split(_member, world.Rank) ?? throw new InvalidOperationException("MPI_Comm_split gave no communicator");
        _rank0 = world.Rank == 0;
        _run = new RunLayout(config.Run.Dir, config.Checkpoint.Dir);
        _manifest = CacheManifest.Load(config.Data.Cache);
        if (CacheFitness.Problems(config, _manifest, _pop.RanksPerMember) is { Count: > 0 } unfit)
            throw new ArgumentException("the cache cannot train this experiment:\n  " + string.Join("\n  ", unfit));
        if (ShardVerification.Run(config, _manifest, world) is { Count: > 0 } corrupt)
            throw new ArgumentException("data.verify: full: the cache does not match its manifest:\n  " + string.Join("\n  ", corrupt));
        // Rank 0 claims the run directory (lock; --resume/--overwrite rules) before anything is written to it.
        var notes = new List<string>();
        string refused = "";
        if (_rank0)
        {
            try
            {
                _lock = RunClaim.Claim(_run, config, options.Resume, options.Overwrite, notes);
                File.WriteAllText(_run.ResolvedConfig, ConfigLoader.ToYaml(config));
            }
            catch (RunDirectoryException e) { refused = e.Message; }
        }
        refused = world.BcastString(_rank0 ? refused : null, 0);
        if (refused.Length > 0) throw new RunDirectoryException(refused);
        _log = RankLog.Configure(_run, world.Rank, config.Logging.Level);
        foreach (var n in notes) { _log.Warn(n); Console.Error.WriteLine($"train: {n}"); }
        _store = new CheckpointStore(_run.Checkpoints, config.Checkpoint.KeepLast);
        _threads = ThreadCount(config);
        torch.set_num_threads(_threads);
        _multiClass = config.Data.Task == TaskKind.Multiclass;
        _log.Info($"rank {world.Rank}/{world.Size} (pid {Environment.ProcessId}): member {_member} (member rank {_comm.Rank}/{_comm.Size}), {_threads} torch threads, torch {torch.version}");
    }

    /// <summary>Releases the run directory (world rank 0 holds its lock).</summary>
    public void Dispose() => _lock?.Dispose();

    /// <summary>config > SLURM_CPUS_PER_TASK > cores / ranks on this node.</summary>
    public static int ThreadCount(ExperimentConfig config)
    {
        if (config.Run.Threads > 0) return config.Run.Threads;
        if (int.TryParse(Environment.GetEnvironmentVariable("SLURM_CPUS_PER_TASK"), out var slurm) && slurm > 0) return slurm;
        int local = new[] { "OMPI_COMM_WORLD_LOCAL_SIZE", "MPI_LOCALNRANKS", "SLURM_NTASKS_PER_NODE" }
            .Select(Environment.GetEnvironmentVariable).Select(v => int.TryParse(v, out var n) ? n : 0).FirstOrDefault(n => n > 0, 1);
        return Math.Max(1, Environment.ProcessorCount / local);
    }

    public int Run()
    {
        using var stop = new StopSignal();
        stop.Received = sig => _log.Warn($"signal {sig} received; last step started: {Volatile.Read(ref _step)}");
        var progress = new ProgressView(_cfg.Logging.Progress, _rank0);
        var classes = _manifest.ClassNames;
        Tensor? posWeight = !_multiClass && _cfg.Data.PosWeight
            ? torch.tensor(LabelStats.PosWeight(_cfg.Data.Cache, "train"), [classes.Count]) : null;
        var evaluator = new Evaluator(_cfg, _comm, classes.Count, _multiClass, posWeight);
        var replay = _opt.ReplayLineage != null ? ReplaySchedule.Load(_opt.ReplayLineage, _opt.ReplayMember) : null;
        var metricsFile = new JsonLinesFile(_run.Metrics);
        var lineageFile = new JsonLinesFile(_run.Lineage);

        var batchCounts = MemberData.BatchCountsPerRank(_cfg, _pop.RanksPerMember, _cfg.Data.BatchSize);
        long stepsPerEpoch = batchCounts.Max();
        long total = _cfg.Schedule.MaxSteps > 0 ? _cfg.Schedule.MaxSteps : _cfg.Schedule.Epochs * stepsPerEpoch;
        var schedule = new LrSchedule(_cfg.Schedule, total);
        using var data = _data = new MemberData(_cfg, _member, _comm.Rank, _comm.Size);

        // ---- initial hyperparameters, or the state of the latest complete checkpoint ----
        long resumeStep = -1;
        if (_opt.Resume)
        {
            resumeStep = _world.BcastArray<long>(_rank0 ? [_store.FindLatestComplete(_pop.Members) ?? -1] : null, 0)[0];
            if (resumeStep < 0)
            {
                _log.Warn($"--resume: no complete checkpoint in {_run.Checkpoints}; starting fresh");
                if (_rank0) Console.Error.WriteLine($"train: --resume: no complete checkpoint in {_run.Checkpoints}; starting fresh");
            }
        }
        if (resumeStep >= 0) { ResumeFrom(resumeStep, data, metricsFile, lineageFile, classes.Count); _checkpoints.Saved(resumeStep); }
        else
        {
            StartFresh(replay, classes.Count);
            if (_rank0)
            {
                File.Delete(_run.Metrics); File.Delete(_run.Lineage);
                lineageFile.Append(_allHp.Select((hp, m) => RunJson.Line(new LineageLine { Round = 0, Step = 0, Target = m, Kind = "initial", New = hp })));
            }
        }
        _log.Info($"member {_member}: {total} steps ({stepsPerEpoch} per epoch), hp {Show(_hp)}, starting at step {_step}");
        if (_rank0 && MemberData.ImbalanceWarning(batchCounts, _cfg.Data.Cache) is { } imbalance)
        {
            _log.Warn(imbalance);
            progress.Note($"warning: {imbalance}");
        }
        progress.Note($"training {_cfg.Run.Name}: {_pop.Members} member(s) x {_pop.RanksPerMember} rank(s), {total} steps, {_threads} threads/rank");

        int exit = progress.Run(() =>
        {
            while (_step < total)
            {
                // Signals arrive on one rank at a time; act only once every rank agrees, at a step boundary.
                _phases.Lap(StepPhase.Other);
                if (_world.Any(stop.Requested))
                {
                    _log.Warn($"stop signal at step {_step}: checkpointing for requeue");
                    progress.Note($"signal received: checkpointing at step {_step} and exiting with {TrainExit.CheckpointedForRequeue}");
                    return SaveCheckpoint(classes.Count) ? TrainExit.CheckpointedForRequeue : TrainExit.Failure;
                }

                TrainStep(data, schedule, posWeight);
                _log.Debug($"step {_step} done");
                progress.Step(data.Epoch, _step, total, _secondsSinceReady > 0 ? _imagesSinceReady * _pop.Members / _secondsSinceReady : 0);

                if (_step % _cfg.Tuner.ReadySteps == 0 || _step == total)
                {
                    ReadyPoint(evaluator, data, metricsFile, lineageFile, progress, final: _step == total, classes.Count);
                    if (_round % _cfg.Checkpoint.EveryRounds == 0 || _step == total) SaveCheckpoint(classes.Count);
                    _phases.Lap(StepPhase.Checkpoint);
                }
                // A replayed schedule changes where the original's tuner did: after that step's evaluation.
                if (replay?.ChangeAt(_step) is { } replayHp) { _hp = _allHp[0] = Merge(Full(null), replayHp); data.ChangeBatchSize(BatchSizeOf(_hp)); }
            }
            return TrainExit.Ok;
        });
        if (exit != TrainExit.Ok) return exit;

        var unsaved = UnsavedCheckpoints(total);
        Finish(evaluator, progress, total, unsaved);
        if (unsaved == null) return TrainExit.Ok;
        _log.Error($"run incomplete: {unsaved}");
        if (_rank0) Console.Error.WriteLine($"train: FAILED: {unsaved}");
        return TrainExit.Failure;
    }

    /// <summary>Null when checkpoints are off or the final set and a best checkpoint are on disk; else why the run failed (same on every rank).</summary>
    string? UnsavedCheckpoints(long total)
    {
        if (!_cfg.Checkpoint.Enabled) return null;
        if (_checkpoints.MissingFinal(total, _run.Checkpoints) is { } missing) return missing;
        var best = !_rank0 || _store.ReadBest() is { } b && _store.Verify(b.Member, b.Step) == null ? "" :
            $"no best checkpoint in {_run.Checkpoints}: no evaluation gave a defined {_cfg.Checkpoint.Metric}";
        best = _world.BcastString(best, 0);
        return best.Length == 0 ? null : best;
    }

    // ---- one optimizer step of this member ----------------------------------------------------------

    void TrainStep(MemberData data, LrSchedule schedule, Tensor? posWeight)
    {
        _step++;
        if (_stopped) return; // a stopped trial's ranks only take part in the world's collectives
        var t0 = Stopwatch.GetTimestamp();
        _phases.Lap(StepPhase.Other);
        var batch = data.Next();
        _phases.Lap(StepPhase.Data);
        int n = batch?.Count ?? 0;
        double lossValue = 0, allreduce = 0;
        using (var scope = torch.NewDisposeScope())
        {
            _model.Apply(_hp, schedule.At(_hp["lr"], _step - 1));
            var x = n > 0 ? Losses.Input(_cfg, batch!) : null;
            _phases.Lap(StepPhase.Input);
            Tensor? loss = null;
            if (n > 0)
            {
                loss = Losses.Loss(Losses.Forward(_cfg, _model, x!), batch!, _multiClass, posWeight);
                lossValue = loss.item<float>();
            }
            _phases.Lap(StepPhase.Forward);
            bool finite = double.IsFinite(lossValue) && !FaultInjection.NanLoss(_member, _step);
            // One rank's NaN poisons the averaged gradient: the member skips the step together.
            bool skip = _comm.Any(!finite);
            _phases.Lap(StepPhase.Sync);
            if (skip)
            {
                _skipped++; _badInARow++;
                _log.Warn($"member {_member} step {_step}: non-finite loss, step skipped ({_skipped} so far)");
            }
            else
            {
                _badInARow = 0;
                _model.Optimizer.zero_grad();
                loss?.backward();
                _phases.Lap(StepPhase.Backward);
                _dp.SynchronizeGradients(n);
                allreduce = _dp.LastBreakdownSeconds.Communicate;
                _phases.Lap(StepPhase.Allreduce);
                if (_cfg.Optimizer.GradClip > 0) XRayHpc.Torch.nn.utils.clip_grad_norm_(_model.Net.parameters().Where(p => p.requires_grad), _cfg.Optimizer.GradClip);
                _model.Optimizer.step();
                _lossSum += lossValue * n; _lossCount += n;
            }
        }
        _phases.Lap(StepPhase.Optimizer); // the step's tensors are freed with the scope, above
        double dt = Stopwatch.GetElapsedTime(t0).TotalSeconds;
        _imagesSinceReady += n * _comm.Size; _secondsSinceReady += dt; _allreduceSinceReady += allreduce;
        _totalImages += n; _trainSeconds += dt; _allreduceSeconds += allreduce;
    }

    // ---- evaluate, tune, record ---------------------------------------------------------------------

    void ReadyPoint(Evaluator evaluator, MemberData data, JsonLinesFile metricsFile, JsonLinesFile lineageFile, ProgressView progress, bool final, int classes)
    {
        _round++;
        var phase = Stopwatch.StartNew(); // where a round's time outside training goes, for the rank log
        if (_comm.Size > 1) _dp.AverageBatchNormStatistics(); // ranks of a member then hold identical state
        var loss = new[] { _lossSum, _lossCount };
        _comm.Allreduce(loss.AsSpan(), Op.Sum);
        var val = evaluator.Run(_model, "val");
        var report = ClassificationMetrics.Compute(val.Scores, val.Labels, val.Mask, _manifest.ClassNames, _multiClass,
            ClassificationMetrics.ChooseThresholds(val.Scores, val.Labels, val.Mask, classes));
        bool failed = _badInARow >= _cfg.Tuner.MaxBadSteps || !double.IsFinite(report.MeanAuroc) || !double.IsFinite(val.MeanLoss);
        double evalSeconds = phase.Elapsed.TotalSeconds;
        _phases.Lap(StepPhase.Evaluation);
        var rec = new MetricsRecord
        {
            Member = _member, Round = _round, Step = _step, Epoch = data.Epoch, TimeS = Math.Round(_clock.Elapsed.TotalSeconds, 3),
            TrainLoss = loss[1] > 0 ? loss[0] / loss[1] : double.NaN, ValLoss = val.MeanLoss,
            MeanAuroc = report.MeanAuroc, Auroc = report.PerClassAuroc.ToDictionary(),
            Accuracy = report.Accuracy, Precision = report.Precision, Recall = report.Recall, Specificity = report.Specificity, F1 = report.F1,
            Threshold = report.Thresholds.Average(), F1AtThreshold = report.F1AtThresholds,
            Lr = _hp["lr"], Momentum = _hp.GetValueOrDefault("momentum", _cfg.Optimizer.Momentum),
            WeightDecay = _hp.GetValueOrDefault("weight_decay", _cfg.Optimizer.WeightDecay), BatchSize = BatchSizeOf(_hp),
            ImagesPerS = _secondsSinceReady > 0 ? Math.Round(_imagesSinceReady / _secondsSinceReady, 2) : 0,
            AllreduceShare = _secondsSinceReady > 0 ? Math.Round(_allreduceSinceReady / _secondsSinceReady, 4) : 0,
            // Only the member's first rank sends its record (below); the other ranks would hash the state for nothing.
            SkippedSteps = _skipped, Failed = failed, Checksum = _comm.Rank == 0 ? _model.Checksum() : "",
            PhaseS = _phases.TakeSinceRecord(),
        };
        _imagesSinceReady = _secondsSinceReady = _allreduceSinceReady = 0; _lossSum = 0; _lossCount = 0;

        // Every member root's record reaches every rank (Allgatherv), so rank 0 sees the whole population.
        var mine = _comm.Rank == 0 ? System.Text.Encoding.UTF8.GetBytes(RunJson.Line(rec)) : [];
        var records = _world.Allgatherv<byte>(mine).Where(b => b.Length > 0)
            .Select(b => RunJson.Parse<MetricsRecord>(System.Text.Encoding.UTF8.GetString(b))).OrderBy(r => r.Member).ToList();
        foreach (var r in records) { _lastScore[r.Member] = Score(r); _lastRecord[r.Member] = r; progress.Member(r.Member, r.MeanAuroc, Show(_allHp[r.Member])); }
        if (_rank0) metricsFile.Append(records.Select(RunJson.Line));
        _log.Info($"round {_round} step {_step}: member {_member} val mean AUROC {rec.MeanAuroc:F4} loss {rec.ValLoss:F4} {(failed ? "FAILED" : "")}" +
                  $" (evaluation {evalSeconds:F3} s, record {phase.Elapsed.TotalSeconds - evalSeconds:F3} s)");

        _phases.Lap(StepPhase.Evaluation);
        if (final || _cfg.Tuner.Kind == TunerKind.None) return;

        // ---- the tuner decides on rank 0; every rank carries the decisions out ----
        string decisionsJson = _world.BcastString(_rank0 ? DecideOnRank0(records) : null, 0);
        var decisions = JsonSerializer.Deserialize<List<DecisionDto>>(decisionsJson, RunJson.Options)!;
        var lineage = new List<LineageLine>();
        foreach (var d in decisions)
        {
            var old = _allHp[d.Member];
            switch (d.Kind)
            {
                case "exploit":
                {
                    var src = d.Source!.Value;
                    var copy = Stopwatch.StartNew();
                    // Weights + optimizer state travel from the source member's first rank to every rank.
                    var (header, bytes) = _member == src && _comm.Rank == 0 ? _model.SaveBlob() : ("", Array.Empty<byte>());
                    header = _world.BcastString(header, _pop.RootOf(src));
                    bytes = _world.BcastArray(_world.Rank == _pop.RootOf(src) ? bytes : null, _pop.RootOf(src));
                    if (_member == d.Member) _model.LoadBlob(header, bytes);
                    var targetSum = _world.BcastString(_member == d.Member && _comm.Rank == 0 ? _model.Checksum() : null, _pop.RootOf(d.Member));
                    // Only world rank 0 writes lineage.jsonl: hashing the whole state elsewhere would be wasted time.
                    lineage.Add(new LineageLine { Round = _round, Step = _step, Target = d.Member, Source = src, Kind = "exploit", Old = old, New = d.Hp!,
                        SourceChecksum = _rank0 ? MemberModel.Checksum(header, bytes) : "", TargetChecksum = targetSum });
                    _log.Info($"exploit: member {d.Member} <- member {src}: {bytes.Length / 1e6:F1} MB of weights and optimizer state in {copy.Elapsed.TotalSeconds:F3} s");
                    break;
                }
                case "restart":
                    if (_member == d.Member) FreshModel(classes, Seeds.For(_cfg.Run.Seed, "restart", d.Member, _round), d.Hp!);
                    lineage.Add(new LineageLine { Round = _round, Step = _step, Target = d.Member, Kind = "restart", Old = old, New = d.Hp! });
                    break;
                case "stop":
                    if (_member == d.Member) _stopped = true;
                    lineage.Add(new LineageLine { Round = _round, Step = _step, Target = d.Member, Kind = "stop", Old = old, New = old });
                    break;
            }
            if (d.Hp != null) _allHp[d.Member] = d.Hp;
            if (d.Member == _member && d.Hp != null)
            {
                _hp = d.Hp;
                _badInARow = 0;
                if (d.Kind == "restart") _stopped = false;
                data.ChangeBatchSize(BatchSizeOf(_hp));
            }
        }
        if (_rank0 && lineage.Count > 0)
        {
            lineageFile.Append(lineage.Select(RunJson.Line));
            foreach (var l in lineage) progress.Note($"round {l.Round}: member {l.Target} {l.Kind}{(l.Source is { } s ? $" from member {s} (checksums {l.SourceChecksum} -> {l.TargetChecksum})" : "")}, hp {Show(l.New)}");
        }
        _phases.Lap(StepPhase.Tuner);
    }

    string DecideOnRank0(IReadOnlyList<MetricsRecord> records)
    {
        var results = records.Select(r => new MemberResult(r.Member, Score(r), r.Failed)).ToList();
        var decisions = _tuner!.Decide(_round, _step, results);
        var dtos = decisions.Select(d => d switch
        {
            Exploit e => new DecisionDto(e.Member, "exploit", e.Source, Full(e.NewHp)),
            Restart r => new DecisionDto(r.Member, "restart", null, Full(r.NewHp)),
            Stop s => new DecisionDto(s.Member, "stop", null, null),
            _ => new DecisionDto(d.Member, "continue", null, null),
        }).ToList();
        return JsonSerializer.Serialize(dtos, RunJson.Options);
    }

    /// <summary>Higher is better for the tuner; val_loss is negated.</summary>
    double Score(MetricsRecord r) => _cfg.Tuner.Metric switch
    {
        "val_loss" => -r.ValLoss,
        "accuracy" => r.Accuracy,
        "f1" => r.F1,
        _ => r.MeanAuroc,
    };

    /// <summary>The checkpoint.metric of a member's last evaluation; NaN before the first (never "best").</summary>
    double CheckpointMetric(int member) => !_lastRecord.TryGetValue(member, out var r) || r.Failed ? double.NaN : _cfg.Checkpoint.Metric switch
    {
        "val_loss" => r.ValLoss,
        "accuracy" => r.Accuracy,
        "f1" => r.F1,
        _ => r.MeanAuroc,
    };

    sealed record DecisionDto(int Member, string Kind, int? Source, Dictionary<string, double>? Hp);

    // ---- start, resume, checkpoint --------------------------------------------------------------------

    /// <summary>Tuned values from the tuner, the rest from the config: every member's full hyperparameter set.</summary>
    Dictionary<string, double> Full(Hyperparameters? tuned)
    {
        var o = _cfg.Optimizer;
        var hp = new Dictionary<string, double>
        {
            ["lr"] = o.Lr, ["momentum"] = o.Name == OptimizerKind.Sgd ? o.Momentum : o.Beta1,
            ["weight_decay"] = o.WeightDecay, ["batch_size"] = _cfg.Data.BatchSize,
        };
        if (tuned != null) foreach (var (k, v) in tuned.Values) hp[k] = v;
        return hp;
    }

    static int BatchSizeOf(Dictionary<string, double> hp) => (int)Math.Round(hp["batch_size"]);

    void StartFresh(ReplaySchedule? replay, int classes)
    {
        if (_rank0 && _cfg.Tuner.Kind != TunerKind.None)
            _tuner = Tuners.Create(TunerOptionsOf(_cfg.Tuner), SpaceOf(_cfg.Tuner), _pop.Members, Seeds.For(_cfg.Run.Seed, "tuner"));
        var initial = _world.BcastString(_rank0 ? JsonSerializer.Serialize(
            Enumerable.Range(0, _pop.Members).Select(m => replay != null ? Merge(Full(null), replay.Initial) : Full(_tuner?.Current[m])).ToList(), RunJson.Options) : null, 0);
        _allHp.Clear();
        _allHp.AddRange(JsonSerializer.Deserialize<List<Dictionary<string, double>>>(initial, RunJson.Options)!);
        _hp = _allHp[_member];
        FreshModel(classes, Seeds.For(_cfg.Run.Seed, "init", _member), _hp);
    }

    static Dictionary<string, double> Merge(Dictionary<string, double> a, Dictionary<string, double> b)
    {
        foreach (var (k, v) in b) a[k] = v;
        return a;
    }

    void FreshModel(int classes, long seed, Dictionary<string, double> hp)
    {
        _dp?.Dispose();
        _model?.Dispose();
        _model = new MemberModel(_cfg, classes, seed, hp);
        if (_comm.Rank == 0) TransferLog.Write(_log, _member, _model);
        _dp = new DataParallel(_model.Net, _comm, new DataParallelOptions());
        _dp.BroadcastParameters(0);
    }

    void ResumeFrom(long step, MemberData data, JsonLinesFile metricsFile, JsonLinesFile lineageFile, int classes)
    {
        var (state, dir) = _store.Read(_member, step);
        _allHp.Clear();
        var allHp = JsonSerializer.Deserialize<List<Dictionary<string, double>>>(state.Extra["population_hp"], RunJson.Options)!;
        _allHp.AddRange(allHp);
        _hp = state.Hyperparameters;
        FreshModel(classes, Seeds.For(_cfg.Run.Seed, "init", _member), _hp);
        var (weights, _) = Safetensors.Load(Path.Combine(dir, "model.safetensors"));
        var (opt, _) = Safetensors.Load(Path.Combine(dir, "optimizer.safetensors"));
        using (torch.no_grad()) _model.Net.load_state_dict(weights);
        _model.Optimizer.load_state_tensors(opt);
        foreach (var t in weights.Values.Concat(opt.Values)) t.Dispose();
        _step = state.Step; _round = state.Round; _skipped = state.SkippedSteps; _badInARow = state.ConsecutiveBadSteps;
        // This rank's own loss sums and BatchNorm statistics, when the checkpoint has them for this rank (same rank count).
        var r = _comm.Rank;
        _lossSum = double.Parse(state.Extra.GetValueOrDefault($"train_loss_sum.{r}") ?? state.Extra.GetValueOrDefault("train_loss_sum") ?? "0", CultureInfo.InvariantCulture);
        _lossCount = long.Parse(state.Extra.GetValueOrDefault($"train_loss_count.{r}") ?? state.Extra.GetValueOrDefault("train_loss_count") ?? "0", CultureInfo.InvariantCulture);
        if (_comm.Size > 1 && RankBatchNorm.Load(Path.Combine(dir, RankBatchNorm.FileName), r) is { } bn) RankBatchNorm.Restore(_model.Net, bn);
        _stopped = state.Extra.GetValueOrDefault("stopped") == "true";
        if (state.Rng.TryGetValue($"torch.{_comm.Rank}", out var rng)) torch.set_rng_state(Convert.FromBase64String(rng));
        data.Seek(state.Epoch, state.BatchInEpoch, BatchSizeOf(_hp));
        if (_rank0)
        {
            if (state.TunerState.Length > 0) _tuner = Tuners.Restore(TunerState.FromJson(state.TunerState));
            metricsFile.TruncateAfter(step);
            lineageFile.TruncateAfter(step);
        }
        _log.Info($"resumed member {_member} from {dir} (step {step}, epoch {state.Epoch}, batch {state.BatchInEpoch})");
    }

    /// <summary>
    /// Every rank calls this. Member roots write their member; the set is committed (latest/best) only when
    /// every member succeeded. A failed save is retried once (a flaky file system, space freed meanwhile); if the
    /// retry fails too it is reported and training goes on, and the end of the run reports the failure.
    /// </summary>
    bool SaveCheckpoint(int classes)
    {
        if (!_cfg.Checkpoint.Enabled) return true;
        var tunerJson = _world.BcastString(_rank0 ? _tuner?.Save().ToJson() ?? "" : null, 0);
        // Everything per rank travels to the member root; nothing here changes the live model (see RankBatchNorm).
        var ranks = new RankState(
            _comm.Allgatherv<byte>(torch.get_rng_state()),
            _comm.Allgatherv<double>([_lossSum, _lossCount]),
            _comm.Size > 1 ? _comm.Allgatherv<double>(RankBatchNorm.Capture(_model.Net)) : null);
        string? error = null;
        for (int attempt = 0; attempt < 2; attempt++)
        {
            error = TryWriteCheckpointSet(tunerJson, ranks, attempt);
            if (_world.Allreduce(error == null ? 1 : 0, Op.Min) == 1)
            {
                _checkpoints.Saved(_step);
                _log.Info($"checkpoint step {_step} written{(attempt > 0 ? " on the second attempt" : "")}");
                return true;
            }
            if (attempt == 0 && error != null) _log.Warn($"checkpoint at step {_step} failed, retrying once: {error}");
        }
        if (error == "") error = "another member's checkpoint write failed (its first rank's log says why)";
        _checkpoints.Failed(error);
        if (error != null)
        {
            var previous = _checkpoints.PreviousSet(_run.Checkpoints);
            _log.Error($"CHECKPOINT FAILED twice at step {_step} (training continues; {previous}): {error}");
            Console.Error.WriteLine($"[xrayhpc] checkpoint failed at step {_step}, training continues; {previous}: {error}");
        }
        return false;
    }

    /// <summary>One attempt at writing and committing this step's set; null when this rank's part succeeded, else why not.</summary>
    sealed record RankState(byte[][] Rngs, double[][] Losses, double[][]? BatchNorm);

    string? TryWriteCheckpointSet(string tunerJson, RankState ranks, int attempt)
    {
        string? error = null;
        if (_comm.Rank == 0)
        {
            var state = new CheckpointState
            {
                Member = _member, Step = _step, Round = _round, Epoch = 0, SkippedSteps = _skipped, ConsecutiveBadSteps = _badInARow,
                Hyperparameters = new Dictionary<string, double>(_hp),
                Metrics = { [_cfg.Checkpoint.Metric] = CheckpointMetric(_member) },
                TunerState = tunerJson,
                Extra =
                {
                    ["stopped"] = _stopped ? "true" : "false",
                    ["population_hp"] = JsonSerializer.Serialize(_allHp, RunJson.Options),
                },
            };
            (state.Epoch, state.BatchInEpoch) = (_data.Epoch, _data.BatchInEpoch);
            for (int r = 0; r < ranks.Rngs.Length; r++) state.Rng[$"torch.{r}"] = Convert.ToBase64String(ranks.Rngs[r]);
            // Each rank's own running train-loss sums: the member-wide sum is formed at the next evaluation.
            for (int r = 0; r < ranks.Losses.Length; r++)
            {
                state.Extra[$"train_loss_sum.{r}"] = ranks.Losses[r][0].ToString("R", CultureInfo.InvariantCulture);
                state.Extra[$"train_loss_count.{r}"] = ((long)ranks.Losses[r][1]).ToString(CultureInfo.InvariantCulture);
            }
            var files = new List<(string, Action<string>)>
            {
                ("model.safetensors", p =>
                {
                    FaultInjection.CheckpointWrite(_step, attempt);
                    var live = _model.ModelState();
                    if (ranks.BatchNorm == null) { Safetensors.Save(p, live); return; }
                    var (averaged, owned) = RankBatchNorm.Averaged(_model.Net, live, ranks.BatchNorm);
                    try { Safetensors.Save(p, averaged); } finally { foreach (var t in owned) t.Dispose(); }
                }),
                ("optimizer.safetensors", p => { using var copies = torch.NewDisposeScope(); Safetensors.Save(p, _model.OptimizerState()); }),
            };
            if (ranks.BatchNorm != null) files.Add((RankBatchNorm.FileName, p => RankBatchNorm.Save(p, ranks.BatchNorm)));
            try
            {
                _store.WriteMember(state, files);
            }
            catch (CheckpointWriteException e) { error = e.Message; }
            catch (TorchException e) { error = $"checkpoint of member {_member} at step {_step}: {e.Message}"; }
        }
        bool allWritten = _world.Allreduce(error == null ? 1 : 0, Op.Min) == 1;
        if (allWritten && _rank0)
        {
            try
            {
                bool higher = _cfg.Checkpoint.Metric != "val_loss";
                var candidates = Enumerable.Range(0, _pop.Members).Select(m => (m, CheckpointMetric(m))).ToList();
                foreach (var w in _store.Commit(_step, _pop.Members, candidates, higher)) _log.Warn(w);
            }
            catch (CheckpointWriteException e) { error = e.Message; }
        }
        // A member root whose own write succeeded still fails this attempt when another member's did not.
        return error ?? (allWritten ? null : "");
    }

    // ---- the end: test split of the best member, predictions, summary -------------------------------

    void Finish(Evaluator evaluator, ProgressView progress, long total, string? unsaved)
    {
        // Best member by its last validation score (finite scores only).
        int best = _lastScore.Where(kv => double.IsFinite(kv.Value)).OrderByDescending(kv => kv.Value).ThenBy(kv => kv.Key)
            .Select(kv => kv.Key).DefaultIfEmpty(0).First();
        var imgs = new[] { _totalImages, _trainSeconds, _allreduceSeconds };
        _world.Allreduce(imgs.AsSpan(), Op.Sum);
        var phaseTotals = _phases.Totals(); // seconds per phase, averaged over the world's ranks
        _world.Allreduce(phaseTotals.AsSpan(), Op.Sum);
        for (int i = 0; i < phaseTotals.Length; i++) phaseTotals[i] /= _world.Size;
        double imagesPerS = imgs[1] > 0 ? imgs[0] / (imgs[1] / _world.Size) : 0;
        double allreduceShare = imgs[1] > 0 ? imgs[2] / imgs[1] : 0;
        string summaryJson = "";
        if (_member == best)
        {
            var test = evaluator.Run(_model, "test");
            var classes = _manifest.ClassNames;
            var report = ClassificationMetrics.Compute(test.Scores, test.Labels, test.Mask, classes, _multiClass);
            if (_comm.Rank == 0)
            {
                WritePredictions(best, test, classes);
                // The metrics below are of the best member's final model: they name the checkpoint holding it, and
                // are left out (null) when that model never reached the disk (a failed final checkpoint).
                bool onDisk = !_cfg.Checkpoint.Enabled || _checkpoints.LastSaved == total;
                var summary = new Dictionary<string, object?>
                {
                    ["best_member"] = best, ["hyperparameters"] = _hp,
                    ["checkpoint"] = !_cfg.Checkpoint.Enabled || !onDisk ? null : $"member-{best}/{CheckpointStore.StepName(total)}",
                    ["best_checkpoint"] = _cfg.Checkpoint.Enabled && _store.ReadBest() is { } bc ? $"member-{bc.Member}/{CheckpointStore.StepName(bc.Step)}" : null,
                    ["checkpoint_error"] = unsaved,
                    ["val_mean_auroc"] = onDisk ? _lastScore.GetValueOrDefault(best) : null,
                    ["test_mean_auroc"] = onDisk ? report.MeanAuroc : null, ["auroc"] = onDisk ? report.PerClassAuroc : null,
                    ["test_accuracy"] = onDisk ? report.Accuracy : null, ["test_f1"] = onDisk ? report.F1 : null,
                    ["images_per_s"] = Math.Round(imagesPerS, 2), ["allreduce_share"] = Math.Round(allreduceShare, 4), ["phase_s"] = PhaseClock.Named(phaseTotals), ["wall_s"] = Math.Round(_clock.Elapsed.TotalSeconds, 2),
                    ["ranks"] = _world.Size, ["threads"] = _threads, ["model"] = _cfg.Model.Name,
                    ["precision"] = _cfg.Precision.Dtype.ToString().ToLowerInvariant(), ["population"] = _pop.Members,
                    ["skipped_steps"] = _skipped, ["final_checksum"] = _model.Checksum(),
                };
                summaryJson = JsonSerializer.Serialize(summary, new JsonSerializerOptions { WriteIndented = true, Converters = { new UndefinedAsNull() } });
                File.WriteAllText(_run.Summary, summaryJson);
            }
        }
        summaryJson = _world.BcastString(summaryJson, _pop.RootOf(best));
        if (_rank0) SummaryTable.Print(summaryJson, _cfg.Logging.Progress != ProgressMode.Off);
        _log.Info($"done: best member {best}");
    }

    void WritePredictions(int member, SplitScores s, IReadOnlyList<string> classes)
    {
        int c = classes.Count;
        using var w = new StreamWriter(_run.Predictions);
        w.WriteLine("member,row,class,score,label");
        for (int i = 0; i < s.Rows.Length; i++)
            for (int k = 0; k < c; k++)
            {
                if (s.Mask[i * c + k] == 0) continue;
                w.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{member},{s.Rows[i]},{classes[k]},{s.Scores[i * c + k]:R},{s.Labels[i * c + k]:R}"));
            }
    }

    // ---- config -> tuner ------------------------------------------------------------------------------

    static TunerOptions TunerOptionsOf(TunerConfig t) => new()
    {
        Kind = ConfigNames.EnumValue(t.Kind), Quantile = t.Quantile, ResampleProbability = t.ResampleProbability,
        PerturbFactors = t.PerturbFactors.ToArray(), ReductionFactor = t.ReductionFactor, GraceRounds = t.GraceRounds, MaxRounds = t.MaxRounds,
    };

    static SearchSpace SpaceOf(TunerConfig t) => new(t.SearchSpace.Select(kv => new KeyValuePair<string, ParamDomain>(kv.Key,
        kv.Value.LogUniform is { } lu ? new LogUniform(lu[0], lu[1])
        : kv.Value.Uniform is { } u ? new Uniform(u[0], u[1])
        : new Choice(kv.Value.Choice!.ToArray()))));

    static string Show(IReadOnlyDictionary<string, double> hp) =>
        string.Join(" ", hp.OrderBy(kv => kv.Key, StringComparer.Ordinal).Select(kv => $"{kv.Key}={kv.Value.ToString("G4", CultureInfo.InvariantCulture)}"));
}
