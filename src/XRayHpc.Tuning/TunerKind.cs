namespace XRayHpc.Tuning;

/// <summary>`tuner.kind`: none (one member, fixed hyperparameters) or one of the three tuners.</summary>
public enum TunerKind { None, Pbt, Asha, Random }
