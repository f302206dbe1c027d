using XRayHpc.Torch;
using XRayHpc.Torch.nn;

namespace XRayHpc.Mpi.TestApp;

/// <summary>conv -> (optional BatchNorm) -> relu -> conv -> relu -> flatten -> linear on 1×8×8 inputs, 3 classes
/// (the second conv has 4 input channels, so channels_last changes its weight's memory order).
/// Without BatchNorm, N ranks × batch b is mathematically the same step as 1 rank × batch N·b (a
/// BatchNorm in training mode normalises with per-rank batch statistics, which is a different model;
/// the equivalence test therefore uses the BN-free variant and BN gets its own test).</summary>
internal sealed class TinyNet : Module<Tensor, Tensor>
{
    private readonly Sequential _body;

    public TinyNet(bool batchNorm) : base(nameof(TinyNet))
    {
        _body = batchNorm
            ? new Sequential(new Conv2d(1, 4, 3, padding: 1), new BatchNorm2d(4), new ReLU(), new Conv2d(4, 4, 3, padding: 1), new ReLU(),
                new Flatten(), new Linear(4 * 8 * 8, 3))
            : new Sequential(new Conv2d(1, 4, 3, padding: 1), new ReLU(), new Conv2d(4, 4, 3, padding: 1), new ReLU(),
                new Flatten(), new Linear(4 * 8 * 8, 3));
        register_module("body", _body);
    }

    public override Tensor forward(Tensor input) => _body.forward(input);
}
