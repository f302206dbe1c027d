namespace XRayHpc.Explain;

/// <summary>What `xrayhpc cam` computes and where it writes.</summary>
public sealed record CamOptions
{
    public required string OutputDir { get; init; }
    /// <summary>Classes to explain; empty = each image's most probable class.</summary>
    public IReadOnlyList<string> Classes { get; init; } = [];
    public CamMethod Method { get; init; } = CamMethod.GradCam;
    public int BatchSize { get; init; } = 8;
}

/// <summary>One written explanation: the blended PNG and the raw map (.npy, float32, the model's input size, not normalised) with its .json.</summary>
public sealed record CamOutput(string Name, string ClassName, double Probability, string PngPath, string NpyPath, string JsonPath);

/// <summary>An image to explain: a name for the files and the model-sized 8-bit pixels.</summary>
public sealed record CamInput(string Name, byte[] Pixels);
