using XRayHpc.Torch.optim;

namespace XRayHpc.Torch.nn;

public static partial class utils
{
    /// <summary>
    /// torch.nn.utils.clip_grad_norm_: scales all gradients in place so their joint norm is at most
    /// max_norm and returns the norm before clipping (a 0-dim tensor the caller owns). One native call.
    /// </summary>
    public static Tensor clip_grad_norm_(IEnumerable<Tensor> parameters, double max_norm, double norm_type = 2.0)
    {
        var ps = parameters.ToList();
        return OptimNative.ClipGradNorm(ps, max_norm, norm_type);
    }
}
