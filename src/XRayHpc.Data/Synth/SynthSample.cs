using XRayHpc.Data.Synthesis;

namespace XRayHpc.Data;

/// <summary>
/// One synthetic frontal film rendered in memory with the masks of where its findings were drawn, for checks that
/// need the truth behind a picture (is a CAM on the heart for Cardiomegaly?). Same renderer as `xrayhpc synth`;
/// <see cref="Regions"/> maps each requested label to a Size×Size mask.
/// </summary>
public sealed record SynthSample(int Size, byte[] Pixels, IReadOnlyDictionary<string, bool[]> Regions)
{
    /// <summary>Labels whose drawn region can be recorded: the heart for Cardiomegaly, the drawn opacity for the rest.</summary>
    public static readonly IReadOnlyList<string> RegionLabels =
        ["Cardiomegaly", "Pneumonia", "Consolidation", "Lung Opacity", "Mass", "Nodule", "Lung Lesion", "Edema", "Atelectasis"];

    /// <summary>Renders image <paramref name="index"/> of a stream keyed by <paramref name="seed"/> with exactly the given findings
    /// (dataset label names, strength 1). Deterministic in (size, seed, index, labels); the pixels do not depend on
    /// <paramref name="recordRegions"/> (without it <see cref="Regions"/> is empty).</summary>
    public static SynthSample Render(int size, long seed, int index, IReadOnlyList<string> labels, bool recordRegions = true)
    {
        if (size < 32 || size > 4096) throw new ArgumentException($"synth size must be 32..4096 px (got {size})");
        var lesions = labels.Select(l => new Lesion(FindingNames.FromLabel(l) ?? throw new ArgumentException($"unknown finding label '{l}'"), 1.0)).ToArray();
        // Stream keys distinct from every layout's (layout indices are 0..3), so these films are new patients.
        const int stream = 1000;
        var anatomy = Anatomy.ForPatient(new SynthRng(seed, stream, 1, index));
        var rng = new SynthRng(seed, stream, 2, index);
        var regions = recordRegions ? new Dictionary<Finding, bool[]>() : null;
        var pixels = ChestRenderer.Render(size, anatomy.Jitter(rng), lesions, rng, lateral: false, regions);
        var byLabel = new Dictionary<string, bool[]>();
        if (regions is not null)
            foreach (var l in labels)
                byLabel[l] = regions.TryGetValue(FindingNames.FromLabel(l)!.Value, out var m) ? m : new bool[size * size];
        return new SynthSample(size, pixels, byLabel);
    }
}
