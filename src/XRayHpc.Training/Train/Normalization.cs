using XRayHpc.Training.Config;

namespace XRayHpc.Training.Train;

/// <summary>
/// `data.normalize`: what the pixel values are normalised with. Weights pretrained on ImageNet expect
/// ImageNet's statistics; our input is one grey channel, so it gets the mean of ImageNet's per-channel
/// means and stds (0.449, 0.226): with the stem's RGB kernels summed (<see cref="XRayHpc.Models.Pretrained"/>),
/// a grey image then meets the network roughly as a grey RGB image would have.
/// </summary>
public static class Normalization
{
    public const double ImageNetMean = (0.485 + 0.456 + 0.406) / 3;
    public const double ImageNetStd = (0.229 + 0.224 + 0.225) / 3;

    /// <summary>(mean, std) on the 0..1 scale, or null for the cache's own statistics.</summary>
    public static (double Mean, double Std)? Of(DataConfig data) =>
        data.Normalize == NormalizeKind.Imagenet ? (ImageNetMean, ImageNetStd) : null;
}
