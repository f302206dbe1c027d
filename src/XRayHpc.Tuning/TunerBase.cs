using XRayHpc.Determinism;
namespace XRayHpc.Tuning;

/// <summary>State and bookkeeping shared by every tuner; subclasses implement only the policy.</summary>
public abstract class TunerBase : ITuner
{
    protected readonly TunerOptions Options;
    protected readonly SearchSpace Space;
    protected readonly long Seed;
    protected Xoshiro256 Rng;
    protected readonly List<Hyperparameters> CurrentHp;
    protected readonly List<int> TrialIds;
    protected int NextTrialId;
    protected readonly List<int> RoundsInTrial;
    protected readonly List<bool> Stopped;
    protected readonly List<LineageRecord> LineageRecords;
    protected readonly Dictionary<int, List<double>> Rungs;

    protected TunerBase(TunerOptions options, SearchSpace space, int population, long seed)
    {
        options.Validate();
        if (population < 1) throw new ArgumentOutOfRangeException(nameof(population), "population must be at least 1");
        Options = options; Space = space; Seed = seed;
        Rng = new Xoshiro256(seed);
        CurrentHp = Enumerable.Range(0, population).Select(_ => Space.Sample(Rng)).ToList();
        TrialIds = Enumerable.Range(0, population).ToList();
        NextTrialId = population;
        RoundsInTrial = Enumerable.Repeat(0, population).ToList();
        Stopped = Enumerable.Repeat(false, population).ToList();
        LineageRecords = new();
        Rungs = new();
    }

    protected TunerBase(TunerState s)
    {
        s.Options.Validate();
        Options = s.Options;
        Space = new SearchSpace(s.Space.Select(d => KeyValuePair.Create(d.Name, d.Domain)));
        Seed = s.Seed;
        Rng = Xoshiro256.FromState(s.RngState);
        CurrentHp = s.Current.ToList();
        TrialIds = s.TrialIds.ToList();
        NextTrialId = s.NextTrialId;
        RoundsInTrial = s.RoundsInTrial.ToList();
        Stopped = s.Stopped.ToList();
        LineageRecords = s.Lineage.ToList();
        Rungs = s.Rungs.ToDictionary(kv => kv.Key, kv => kv.Value.ToList());
        int n = CurrentHp.Count;
        if (TrialIds.Count != n || RoundsInTrial.Count != n || Stopped.Count != n)
            throw new ArgumentException("tuner state is inconsistent: per-member lists differ in length");
    }

    public abstract string Kind { get; }
    public int Population => CurrentHp.Count;
    public IReadOnlyList<Hyperparameters> Current => CurrentHp;
    public IReadOnlyList<LineageRecord> Lineage => LineageRecords;

    public IReadOnlyList<MemberDecision> Decide(int round, long step, IReadOnlyList<MemberResult> results)
    {
        if (results.Count != Population)
            throw new ArgumentException($"expected {Population} results (one per member), got {results.Count}");
        for (int i = 0; i < results.Count; i++)
            if (results[i].Member != i) throw new ArgumentException($"result {i} is for member {results[i].Member}: results must be in member order");
        for (int i = 0; i < Population; i++)
            if (!Stopped[i]) RoundsInTrial[i]++;
        var decisions = DecideCore(round, step, results);
        foreach (var d in decisions)
            if (d.Lineage is { } rec) LineageRecords.Add(rec);
        return decisions;
    }

    protected abstract IReadOnlyList<MemberDecision> DecideCore(int round, long step, IReadOnlyList<MemberResult> results);

    /// <summary>Replaces a member's trial with a freshly sampled configuration.</summary>
    protected Restart NewTrial(int member, int round, long step)
    {
        var old = CurrentHp[member];
        var hp = Space.Sample(Rng);
        CurrentHp[member] = hp;
        TrialIds[member] = NextTrialId++;
        RoundsInTrial[member] = 0;
        return new Restart(member, hp, new LineageRecord(round, step, member, null, "restart", old, hp));
    }

    public TunerState Save() => new()
    {
        Options = Options,
        Space = Space.Parameters.Select(p => new NamedDomain(p.Key, p.Value)).ToList(),
        Seed = Seed,
        RngState = Rng.State,
        Current = CurrentHp.ToList(),
        TrialIds = TrialIds.ToList(),
        NextTrialId = NextTrialId,
        RoundsInTrial = RoundsInTrial.ToList(),
        Stopped = Stopped.ToList(),
        Lineage = LineageRecords.ToList(),
        Rungs = Rungs.ToDictionary(kv => kv.Key, kv => kv.Value.ToList()),
    };
}
