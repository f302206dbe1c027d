using System.Text.Json.Serialization;

namespace XRayHpc.Tuning;

/// <summary>What one member reported at a ready point. Higher <see cref="Score"/> is better.</summary>
/// <param name="Failed">The member diverged (NaN/Inf) or crashed: it is never copied and is always replaced.</param>
public sealed record MemberResult(int Member, double Score, bool Failed = false)
{
    /// <summary>A failed or NaN result ranks below every real score.</summary>
    public double RankScore => Failed || double.IsNaN(Score) ? double.NegativeInfinity : Score;
}

/// <summary>One entry of the lineage file: who copied whom (or restarted) and with which hyperparameters.</summary>
public sealed record LineageRecord(int Round, long Step, int Target, int? Source, string Kind,
    Hyperparameters Old, Hyperparameters New);

/// <summary>What a member does after a ready point. Serialises with its kind (the trainer broadcasts the tuner's
/// decisions from world rank 0 as they are).</summary>
[JsonPolymorphic(TypeDiscriminatorPropertyName = "kind")]
[JsonDerivedType(typeof(Continue), "continue")]
[JsonDerivedType(typeof(Exploit), "exploit")]
[JsonDerivedType(typeof(Restart), "restart")]
[JsonDerivedType(typeof(Stop), "stop")]
public abstract record MemberDecision(int Member)
{
    [JsonIgnore] public virtual LineageRecord? Lineage => null;
}

/// <summary>Keep training with the same weights and hyperparameters.</summary>
public sealed record Continue(int Member) : MemberDecision(Member);

/// <summary>Copy weights and optimizer state from <paramref name="Source"/>, then train with <paramref name="NewHp"/>.</summary>
public sealed record Exploit(int Member, int Source, Hyperparameters NewHp, LineageRecord Record) : MemberDecision(Member)
{
    [JsonIgnore] public override LineageRecord? Lineage => Record;
}

/// <summary>Start a new trial in this member's slot: fresh weights, fresh optimizer, <paramref name="NewHp"/>.</summary>
public sealed record Restart(int Member, Hyperparameters NewHp, LineageRecord Record) : MemberDecision(Member)
{
    [JsonIgnore] public override LineageRecord? Lineage => Record;
}

/// <summary>The member's trial is over and no new one is started (its ranks idle until the run ends).</summary>
public sealed record Stop(int Member) : MemberDecision(Member);
