namespace XRayHpc.Explain;

/// <summary>Which class-activation map to compute.</summary>
public enum CamMethod
{
    /// <summary>Grad-CAM (Selvaraju et al.): ReLU(Σ_k mean_ij(∂logit_c/∂A_k) · A_k) at the last convolutional stage.</summary>
    GradCam,
    /// <summary>Plain CAM (Zhou et al.): Σ_k W_ck · A'_k where A' is what global average pooling sees; only for a GAP + linear head.
    /// Signed; its spatial mean plus the class bias is the logit.</summary>
    Cam,
}
