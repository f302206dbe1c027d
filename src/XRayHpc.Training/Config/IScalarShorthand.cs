namespace XRayHpc.Training.Config;

/// <summary>A config section that may also be written as one word (`freeze: backbone` for `freeze: {mode: backbone}`).</summary>
public interface IScalarShorthand
{
    bool TrySetFromScalar(string text);
    /// <summary>The accepted forms, for the error message.</summary>
    string Expected { get; }
}
