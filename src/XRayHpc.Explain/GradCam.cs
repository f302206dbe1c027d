using XRayHpc.Models;
using XRayHpc.Torch;

namespace XRayHpc.Explain;

/// <summary>
/// Grad-CAM and CAM at the last convolutional stage of a <see cref="IConvClassifier"/> (ResNet `layer4`,
/// DenseNet `features`). The backbone runs once without a graph; its output is re-entered as a leaf that
/// requires a gradient and only the head is differentiated, so no parameter gradient is ever accumulated
/// and the backbone's activations are not kept for a backward pass. The model must be in eval mode.
/// </summary>
public static class GradCam
{
    /// <param name="x">Normalised input, [N, C, H, W].</param>
    public static CamMaps Compute(IConvClassifier net, Tensor x, int cls, CamMethod method)
    {
        using var scope = torch.NewDisposeScope();
        Tensor features;
        using (torch.no_grad()) features = net.Features(x);
        if (features.dim() != 4) throw new InvalidOperationException($"feature map has {features.dim()} dimensions, expected 4");
        long n = features.size(0), h = features.size(2), w = features.size(3);
        int classes = (int)net.Classifier.out_features;
        if (cls < 0 || cls >= classes) throw new ArgumentOutOfRangeException(nameof(cls), cls, $"class index out of 0..{classes - 1}");

        Tensor logits, map;
        if (method == CamMethod.GradCam)
        {
            var a = features.detach().requires_grad_();
            using (torch.enable_grad())
            {
                logits = net.Head(a);
                // Images are independent in eval mode, so one backward of the summed scores gives every
                // image's own gradient.
                logits.select(1, cls).sum().backward();
            }
            var alpha = a.grad!.mean([2L, 3L], keepdim: true);
            using (torch.no_grad()) map = (alpha * a.detach()).sum(1).relu();
            logits = logits.detach();
        }
        else
        {
            using (torch.no_grad())
            {
                logits = net.Head(features);
                var weight = net.Classifier.weight.detach().select(0, cls).reshape(1, -1, 1, 1);
                map = (net.PooledInput(features) * weight).sum(1);
            }
        }
        return new CamMaps(map.contiguous().to(ScalarType.Float32).ToArray<float>(), (int)n, (int)h, (int)w,
            logits.contiguous().to(ScalarType.Float32).ToArray<float>(), classes, cls, method);
    }
}
