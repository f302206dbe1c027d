using XRayHpc.Data.Synthesis;

namespace XRayHpc.Data;

/// <summary>
/// Writes synthetic chest X-ray datasets in the four real raw layouts (see <see cref="SynthOptions"/>).
/// Labels are decided first (serially, from the seed), then images are rendered in parallel with one
/// random stream per image, so the same options give byte-identical files whatever the thread count.
/// Prevalence is the fraction of abnormal patients (binary layouts) or abnormal images (NIH, CheXpert,
/// where an abnormal image carries 1–3 findings).
/// </summary>
public static class Synth
{
    public static readonly IReadOnlyList<string> Layouts = ["chestxray2017", "nih", "chexpert", "rsna"];

    public static SynthResult Generate(SynthOptions options, IProgress<int>? imagesDone = null)
    {
        Validate(options);
        var layouts = options.Layout == "all" ? Layouts : [options.Layout];
        var roots = new Dictionary<string, string>();
        var counts = new Dictionary<string, int>();
        foreach (var layout in layouts)
        {
            var root = options.Layout == "all" ? Path.Combine(options.OutputDir, layout) : options.OutputDir;
            Directory.CreateDirectory(root);
            int layoutIndex = Layouts.ToList().IndexOf(layout);
            var plan = layout switch
            {
                "chestxray2017" => SynthLayouts.ChestXRay2017(options, root, layoutIndex),
                "nih" => SynthLayouts.Nih(options, root, layoutIndex),
                "chexpert" => SynthLayouts.CheXpert(options, root, layoutIndex),
                _ => SynthLayouts.Rsna(options, root, layoutIndex),
            };
            SynthImages.RenderAll(plan, options, layoutIndex, imagesDone);
            roots[layout] = root;
            counts[layout] = plan.Count;
        }
        return new SynthResult(roots, counts);
    }

    private static void Validate(SynthOptions o)
    {
        if (o.Layout != "all" && !Layouts.Contains(o.Layout))
            throw new ArgumentException($"unknown synth layout '{o.Layout}' (expected all, {string.Join(", ", Layouts)})");
        if (o.Count < 1) throw new ArgumentException($"synth count must be at least 1 (got {o.Count})");
        if (o.Size < 32 || o.Size > 4096) throw new ArgumentException($"synth size must be 32..4096 px (got {o.Size})");
        if (o.Prevalence is < 0 or > 1 || double.IsNaN(o.Prevalence)) throw new ArgumentException($"synth prevalence must be in [0, 1] (got {o.Prevalence})");
        if (o.ImagesPerPatient < 1) throw new ArgumentException($"images per patient must be at least 1 (got {o.ImagesPerPatient})");
        if (string.IsNullOrWhiteSpace(o.OutputDir)) throw new ArgumentException("synth output directory is empty");
        static bool In(double v, double lo, double hi) => v >= lo && v <= hi; // false for NaN
        if (!In(o.FindingContrast, 0, 4)) throw new ArgumentException($"synth finding contrast must be in [0, 4] (got {o.FindingContrast})");
        if (!In(o.FindingSize, 0.25, 3)) throw new ArgumentException($"synth finding size must be in [0.25, 3] (got {o.FindingSize})");
        if (!In(o.FilmNoise, 0, 20)) throw new ArgumentException($"synth film noise must be in [0, 20] (got {o.FilmNoise})");
        if (!In(o.ExposureVariation, 0, 1)) throw new ArgumentException($"synth exposure variation must be in [0, 1] (got {o.ExposureVariation})");
        if (!In(o.LabelNoise, 0, 0.5)) throw new ArgumentException($"synth label noise must be in [0, 0.5] (got {o.LabelNoise})");
        if (!In(o.DistractorCorrelation, 0, 1)) throw new ArgumentException($"synth distractor correlation must be in [0, 1] (got {o.DistractorCorrelation})");
        if (o.NeedsLabelKnobs && o.Layout is not ("chestxray2017" or "nih"))
            throw new ArgumentException($"synth label noise and distractor markers need --layout chestxray2017 or nih (got {o.Layout})");
        if (o.ValFraction is not null || o.TestFraction is not null)
        {
            if (o.Layout != "chestxray2017") throw new ArgumentException($"synth val/test fractions apply to --layout chestxray2017 only (got {o.Layout})");
            double val = o.ValFraction ?? 0.05, test = o.TestFraction ?? 0.15;
            if (!In(val, 0, 1) || !In(test, 0, 1) || val + test >= 1)
                throw new ArgumentException($"synth val fraction {val} and test fraction {test} must be >= 0 and sum below 1");
        }
    }
}
