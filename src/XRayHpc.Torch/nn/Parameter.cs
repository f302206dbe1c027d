namespace XRayHpc.Torch.nn;

/// <summary>
/// A trainable tensor owned by a module: a leaf sharing storage with the data it was made from,
/// with requires_grad set. Never registered in a dispose scope (the module disposes it).
/// </summary>
public sealed class Parameter : Tensor
{
    public Parameter(Tensor data, bool requires_grad = true)
        : base(Native.xt_detach(data.handle), registerInScope: false)
    {
        if (requires_grad) this.requires_grad = true;
    }
}
