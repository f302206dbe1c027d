using XRayHpc.Torch;
using XRayHpc.Torch.nn;

namespace XRayHpc.Models;

/// <summary>
/// torchvision's weight initialisation, applied after construction. Linear layers keep their own
/// default init (kaiming_uniform(a=√5) weight, uniform bias) exactly as in torchvision.
/// </summary>
/// modules() walks pre-order in registration order, like torch, so one seed gives one init.
internal static class Init
{
    /// <summary>resnet.py: convs kaiming_normal(fan_out, relu); BN weight 1, bias 0.</summary>
    public static void TorchvisionResNet(Module model)
    {
        foreach (var m in model.modules())
        {
            if (m is Conv2d conv) init.kaiming_normal_(conv.weight, mode: FanMode.FanOut, nonlinearity: NonlinearityType.ReLU);
            else if (m is BatchNorm2d bn) OnesZeros(bn);
        }
    }

    /// <summary>densenet.py: convs kaiming_normal with the defaults (fan_in); BN weight 1, bias 0; Linear bias 0.</summary>
    public static void TorchvisionDenseNet(Module model)
    {
        foreach (var m in model.modules())
        {
            if (m is Conv2d conv) init.kaiming_normal_(conv.weight);
            else if (m is BatchNorm2d bn) OnesZeros(bn);
            else if (m is Linear lin && lin.bias is not null) init.constant_(lin.bias, 0);
        }
    }

    private static void OnesZeros(BatchNorm2d bn)
    {
        init.constant_(bn.weight!, 1);
        init.constant_(bn.bias!, 0);
    }
}
