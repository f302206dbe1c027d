using XRayHpc.Data;

namespace XRayHpc.Explain;

/// <summary>Result for one class: mean and median share of the positive CAM mass inside the drawn finding, the drawn
/// region's mean share of the image (what a map spread evenly would score) and the mean best share a map on the CAM's
/// grid can reach (<see cref="CamMap.BestShare"/>: what a perfect map at that resolution would score).</summary>
public sealed record SynthShare(string ClassName, int Images, double MeanShare, double MedianShare, double MeanArea,
                                double MeanBestShare, int GridHeight, int GridWidth);

/// <summary>
/// The sanity check a user can run on a model trained on synthetic data: render fresh films with exactly one finding
/// (the generator records where it drew the heart or the lesion), explain the finding's class and measure how much of
/// the map's mass falls inside the drawn region. Films and masks go through the cache's resize, like real inputs.
/// </summary>
public static class SynthCamCheck
{
    public static IReadOnlyList<SynthShare> Run(InferenceModel model, int imagesPerClass, int renderSize, long seed, CamMethod method)
    {
        int s = model.ImageSize;
        var result = new List<SynthShare>();
        foreach (var label in SynthSample.RegionLabels)
        {
            int cls = model.Card.ClassIndex(label);
            if (cls < 0) continue;
            var shares = new List<double>();
            double area = 0, best = 0;
            int gh = 0, gw = 0;
            for (int i = 0; i < imagesPerClass; i++)
            {
                var sample = SynthSample.Render(renderSize, seed, i, [label]);
                var pixels = ImageResize.Resize(sample.Pixels, renderSize, renderSize, s, s);
                var maskBytes = ImageResize.Resize(Array.ConvertAll(sample.Regions[label], b => b ? (byte)255 : (byte)0), renderSize, renderSize, s, s);
                var mask = Array.ConvertAll(maskBytes, b => b >= 128);
                var floats = new float[s * s];
                model.Normalise(pixels, floats);
                var maps = model.Cam(floats, 1, cls, method);
                var full = CamMap.Upsample(maps.Map(0), maps.Height, maps.Width, s, s);
                double share = CamMap.MassShare(full, mask);
                if (!double.IsNaN(share)) shares.Add(share);
                area += mask.Count(m => m) / (double)mask.Length;
                best += CamMap.BestShare(maps.Height, maps.Width, mask, s, s);
                (gh, gw) = (maps.Height, maps.Width);
            }
            shares.Sort();
            result.Add(new SynthShare(model.Card.ClassNames[cls], shares.Count, shares.Count == 0 ? double.NaN : shares.Average(),
                shares.Count == 0 ? double.NaN : shares[shares.Count / 2], area / imagesPerClass, best / imagesPerClass, gh, gw));
        }
        return result;
    }
}
