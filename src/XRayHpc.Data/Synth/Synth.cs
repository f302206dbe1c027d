namespace XRayHpc.Data.Synth;

/// <summary>Writes synthetic chest X-ray datasets in the four real raw layouts.</summary>
public static class Synth
{
    public static readonly IReadOnlyList<string> Layouts = ["chestxray2017", "nih", "chexpert", "rsna"];

    public static SynthResult Generate(SynthOptions options) => throw new NotImplementedException("synth in progress");
}
