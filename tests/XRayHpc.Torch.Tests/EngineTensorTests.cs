using XRayHpc.Torch;
using Xunit;

namespace XRayHpc.Torch.Tests;

public class EngineTensorTests
{
    [Fact]
    public void CreationShapeAndRoundTrip()
    {
        using var scope = torch.NewDisposeScope();
        var data = new float[] { 1, 2, 3, 4, 5, 6 };
        var t = torch.tensor(data, new long[] { 2, 3 });
        Assert.Equal(new long[] { 2, 3 }, t.shape);
        Assert.Equal(6, t.numel());
        Assert.Equal(2, t.dim());
        Assert.Equal(ScalarType.Float32, t.dtype);
        Assert.Equal(Device.CPU, t.device);
        Assert.Equal(data, t.ToArray<float>());
        Assert.Equal(new double[] { 1, 2, 3, 4, 5, 6 }, t.ToArray<double>());

        var z = torch.zeros(new long[] { 2, 3 }, ScalarType.BFloat16);
        z.CopyFrom<float>(data);
        Assert.Equal(ScalarType.BFloat16, z.dtype);
        Assert.Equal(data, z.ToArray<float>());
        Assert.Equal(21.0, z.sum().item<double>());
    }

    [Fact]
    public void ArithmeticMatchesHandComputedValues()
    {
        using var scope = torch.NewDisposeScope();
        var a = torch.tensor(new float[] { 1, 2, 3, 4 });
        var b = torch.tensor(new float[] { 4, 3, 2, 1 });
        Assert.Equal(new float[] { 5, 5, 5, 5 }, (a + b).ToArray<float>());
        Assert.Equal(new float[] { -3, -1, 1, 3 }, (a - b).ToArray<float>());
        Assert.Equal(new float[] { 4, 6, 6, 4 }, (a * b).ToArray<float>());
        Assert.Equal(new float[] { 2, 4, 6, 8 }, (2 * a).ToArray<float>());
        Assert.Equal(new float[] { 9, 8, 7, 6 }, (10 - a).ToArray<float>());
        Assert.Equal(3, a.argmax(0).item<long>());
        Assert.Equal(Math.Sqrt(30), a.norm().item<double>(), 5);
        Assert.Equal(new bool[] { false, false, true, false }, a.eq(3).ToArray<bool>());
    }

    [Fact]
    public void InPlaceOpsUsedByOptimizers()
    {
        using var scope = torch.NewDisposeScope();
        var p = torch.tensor(new float[] { 1, 2, 3 });
        var g = torch.tensor(new float[] { 0.5f, 0.5f, 0.5f });
        p.add_(g, alpha: -2);                                   // 0, 1, 2
        Assert.Equal(new float[] { 0, 1, 2 }, p.ToArray<float>());
        p.mul_(3).add_(1);                                      // 1, 4, 7
        p.addcmul_(g, g, value: 4);                             // + 1
        Assert.Equal(new float[] { 2, 5, 8 }, p.ToArray<float>());
        p.addcdiv_(g, torch.full(new long[] { 3 }, 0.25), value: 1); // + 2
        Assert.Equal(new float[] { 4, 7, 10 }, p.ToArray<float>());
        p.clamp_(5, 9);
        Assert.Equal(new float[] { 5, 7, 9 }, p.ToArray<float>());
        p.div_(2).sqrt_();
        Assert.Equal(new float[] { MathF.Sqrt(2.5f), MathF.Sqrt(3.5f), MathF.Sqrt(4.5f) }, p.ToArray<float>());
        p.zero_();
        Assert.Equal(0.0, p.abs().sum().item<double>());
    }

    [Fact]
    public void AutogradComputesGradients()
    {
        using var scope = torch.NewDisposeScope();
        var x = torch.tensor(new float[] { 1, 2, 3 }, requires_grad: true);
        Assert.Null(x.grad);
        var y = (x * x).sum();                                   // dy/dx = 2x
        y.backward();
        Assert.Equal(new float[] { 2, 4, 6 }, x.grad!.ToArray<float>());
        using (torch.no_grad())
        {
            var z = x * 2;
            Assert.False(z.requires_grad);
        }
        Assert.True((x * 2).requires_grad);
    }
}
