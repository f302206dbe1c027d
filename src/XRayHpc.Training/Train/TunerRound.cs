using System.Diagnostics;
using System.Text.Json;
using NLog;
using XRayHpc.Determinism;
using XRayHpc.Mpi;
using XRayHpc.Training.Config;
using XRayHpc.Training.Run;
using XRayHpc.Tuning;

namespace XRayHpc.Training.Train;

/// <summary>
/// Population-based training's execution: the tuner lives on world rank 0 only; at a ready point it decides
/// from every member's record, the decisions are broadcast, and every rank carries them out (exploit copies
/// weights + optimizer state from the source member's root to the target's ranks; restart builds a new model;
/// stop parks the member). The tuner's policy itself is in XRayHpc.Tuning.
/// </summary>
public sealed class TunerRound(ExperimentConfig config, Communicator world, Communicator memberComm, Population population, Logger log)
{
    readonly bool _master = world.Rank == 0;
    ITuner? _tuner; // world rank 0 only

    /// <summary>A new tuner (world rank 0; none for tuner.kind none) and every member's first hyperparameters
    /// (numbers, and names when the search space has categorical ones), broadcast from rank 0.</summary>
    public (List<Dictionary<string, double>> Hp, List<Dictionary<string, string>> Names) Start(ReplaySchedule? replay)
    {
        if (_master && config.Tuner.Kind != TunerKind.None)
            _tuner = Tuners.Create(config.Tuner, TunerConfig.SpaceOf(config.Tuner), population.Members, Seeds.For(config.Run.Seed, "tuner"));
        var members = Enumerable.Range(0, population.Members);
        var initial = world.BcastString(_master ? JsonSerializer.Serialize(new InitialSets(
            members.Select(m => replay != null
                ? HyperparameterSets.Overwrite(HyperparameterSets.FromConfig(config), replay.Initial)
                : HyperparameterSets.FromConfig(config, _tuner?.Current[m])).ToList(),
            members.Select(m => HyperparameterSets.NamesOf(replay != null ? null : _tuner?.Current[m])).ToList()), RunJson.Options) : null, 0);
        var sets = JsonSerializer.Deserialize<InitialSets>(initial, RunJson.Options)!;
        return (sets.Hp, sets.Names);
    }

    sealed record InitialSets(List<Dictionary<string, double>> Hp, List<Dictionary<string, string>> Names);

    /// <summary>World rank 0: the tuner as a checkpoint saved it (empty: none).</summary>
    public void Restore(string tunerState)
    {
        if (_master && tunerState.Length > 0) _tuner = Tuners.Restore(TunerState.FromJson(tunerState));
    }

    /// <summary>The tuner's state for a checkpoint, the same on every rank (one broadcast from world rank 0).</summary>
    public string SaveState() => world.BcastString(_master ? _tuner?.Save().ToJson() ?? "" : null, 0);

    /// <summary>Every rank calls this with the all-gathered records; returns the lineage lines (checksums are filled on world rank 0 only).</summary>
    public List<LineageLine> Run(IReadOnlyList<MetricsRecord> records, PopulationScores scores, MemberState me, MemberData data, int classes)
    {
        // ---- the tuner decides on rank 0; every rank carries the decisions out ----
        string decisionsJson = world.BcastString(_master ? JsonSerializer.Serialize(Decide(records, scores, me), RunJson.Options) : null, 0);
        var decisions = JsonSerializer.Deserialize<List<MemberDecision>>(decisionsJson, RunJson.Options)!;
        var lineage = new List<LineageLine>();
        foreach (var d in decisions)
        {
            var old = me.PopulationHp[d.Member];
            var oldNames = me.PopulationNames[d.Member];
            // The member's full set: the tuned values over the config's (each rank forms it the same way).
            var hp = d switch
            {
                Exploit e => HyperparameterSets.FromConfig(config, e.NewHp),
                Restart r => HyperparameterSets.FromConfig(config, r.NewHp),
                _ => null,
            };
            var names = d switch
            {
                Exploit e => HyperparameterSets.NamesOf(e.NewHp),
                Restart r => HyperparameterSets.NamesOf(r.NewHp),
                _ => oldNames,
            };
            // A restarted member builds its model (its architecture, its optimizer) from its new names.
            if (d is Restart && d.Member == me.Member) me.Names = names;
            switch (d)
            {
                case Exploit e:
                    lineage.Add(CopyMember(e, old, hp!, names, me));
                    break;
                case Restart r:
                    if (me.Member == r.Member) me.NewModel(config, memberComm, classes, Seeds.For(config.Run.Seed, "restart", r.Member, me.Round), hp!, log);
                    lineage.Add(LineOf(r.Record, old, hp!, oldNames, names));
                    break;
                case Stop:
                    if (me.Member == d.Member) me.Stopped = true;
                    lineage.Add(new LineageLine { Round = me.Round, Step = me.Step, Target = d.Member, Kind = "stop", Old = old, New = old,
                        OldNames = LineageLine.NamesOrNull(oldNames), NewNames = LineageLine.NamesOrNull(oldNames) });
                    break;
            }
            if (hp == null) continue;
            me.PopulationHp[d.Member] = hp;
            me.PopulationNames[d.Member] = names;
            if (d.Member != me.Member) continue;
            me.Hp = hp;
            me.Names = names;
            me.BadInARow = 0;
            if (d is Restart) { me.Stopped = false; me.TrialStart = me.Step; }
            data.ChangeBatchSize(me.BatchSize);
        }
        return lineage;
    }

    /// <summary>
    /// Weights + optimizer state travel from the source member's first rank to the target member's ranks, and
    /// only there: the other members' ranks take part in the split (two integers each) and in the two small
    /// checksum broadcasts, not in the copy itself (for a ResNet-18 with Adam state that is ~130 MB a rank).
    /// With a tuned optimizer the target first takes the source's optimizer (so the copied state fits), and
    /// when explore chose another optimizer, that one starts with fresh state (moments of one algorithm mean
    /// nothing to another) and its lr/momentum/weight decay from the new hyperparameters; lineage says so.
    /// </summary>
    LineageLine CopyMember(Exploit e, Dictionary<string, double> old, Dictionary<string, double> hp, Dictionary<string, string> names, MemberState me)
    {
        var copy = Stopwatch.StartNew();
        var sourceOptimizer = HyperparameterSets.OptimizerOf(config, me.PopulationNames[e.Source]);
        var newOptimizer = HyperparameterSets.OptimizerOf(config, names);
        bool sender = me.Member == e.Source && memberComm.Rank == 0, receiver = me.Member == e.Member;
        long moved = 0;
        string sourceSum = "";
        using (var pair = world.Split(sender || receiver ? 0 : -1, sender ? 0 : 1 + world.Rank)) // the sender is the pair's rank 0
        {
            if (pair != null)
            {
                var (header, bytes) = sender ? me.Model.SaveBlob() : ("", Array.Empty<byte>());
                header = pair.BcastString(header, 0);
                bytes = pair.BcastArray(sender ? bytes : null, 0);
                if (receiver)
                {
                    if (me.Model.OptimizerKind != sourceOptimizer) me.Model.RebuildOptimizer(sourceOptimizer, hp);
                    me.Model.LoadBlob(header, bytes);
                    if (newOptimizer != sourceOptimizer) me.Model.RebuildOptimizer(newOptimizer, hp);
                }
                if (sender) sourceSum = MemberModel.Checksum(header, bytes);
                moved = bytes.Length;
            }
        }
        string? optimizerState = newOptimizer != sourceOptimizer
            ? $"fresh {ConfigNames.EnumValue(newOptimizer)} (source trained with {ConfigNames.EnumValue(sourceOptimizer)})" : null;
        if (optimizerState != null) log.Info($"exploit: member {e.Member} takes member {e.Source}'s weights with optimizer state {optimizerState}");
        FaultInjection.DuringExploit(world.Rank);
        // World rank 0 writes lineage.jsonl: the sender's checksum of what it sent, the target root's of what it
        // loaded. Both are computed before either is broadcast, so the two hashes run at the same time.
        var targetSum = receiver && memberComm.Rank == 0 ? me.Model.Checksum() : null;
        sourceSum = world.BcastString(sender ? sourceSum : null, population.RootOf(e.Source));
        targetSum = world.BcastString(targetSum, population.RootOf(e.Member));
        log.Info($"exploit: member {e.Member} <- member {e.Source}: {moved / 1e6:F1} MB of weights and optimizer state in {copy.Elapsed.TotalSeconds:F3} s" +
                 (sender || receiver ? "" : " (not involved: nothing copied to this rank)"));
        return LineOf(e.Record, old, hp, me.PopulationNames[e.Member], names) with
        {
            SourceChecksum = sourceSum, TargetChecksum = targetSum, OptimizerState = optimizerState,
        };
    }

    /// <summary>A lineage.jsonl line from the tuner's own record, with the members' full hyperparameter sets (the tuner knows only the tuned ones).</summary>
    static LineageLine LineOf(LineageRecord r, Dictionary<string, double> old, Dictionary<string, double> hp,
        IReadOnlyDictionary<string, string> oldNames, IReadOnlyDictionary<string, string> names) =>
        new()
        {
            Round = r.Round, Step = r.Step, Target = r.Target, Source = r.Source, Kind = r.Kind, Old = old, New = hp,
            OldNames = LineageLine.NamesOrNull(oldNames), NewNames = LineageLine.NamesOrNull(names),
        };

    IReadOnlyList<MemberDecision> Decide(IReadOnlyList<MetricsRecord> records, PopulationScores scores, MemberState me) =>
        _tuner!.Decide(me.Round, me.Step, records.Select(r => new MemberResult(r.Member, scores.Score(r), r.Failed)).ToList());
}
