namespace XRayHpc.Training.Config;

/// <summary>A config value written to YAML as one scalar (its <see cref="Scalar"/>: a number or a string), so the
/// resolved config loads back through <see cref="IScalarShorthand"/> to the same value.</summary>
public interface IScalarValue
{
    object Scalar { get; }
}
