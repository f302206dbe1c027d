using XRayHpc.Torch;
using XRayHpc.Torch.nn;
using Xunit;

namespace XRayHpc.Torch.Tests;

public class EngineModuleTests
{
    private sealed class Block : Module<Tensor, Tensor>
    {
        public readonly Conv2d conv1;
        public readonly BatchNorm2d bn1;
        public readonly Sequential head;

        public Block() : base("Block")
        {
            conv1 = new Conv2d(3, 4, 3, padding: 1, bias: false);
            bn1 = new BatchNorm2d(4);
            head = new Sequential(new AdaptiveAvgPool2d(1), new Flatten(), new Dropout(0.0), new Linear(4, 2));
            register_module("conv1", conv1);
            register_module("bn1", bn1);
            register_module("head", head);
        }

        public override Tensor forward(Tensor x) => head.call(bn1.call(conv1.call(x)).relu());
    }

    [Fact]
    public void StateDictNamesAndOrderFollowTorch()
    {
        using var m = new Block();
        Assert.Equal(new[]
        {
            "conv1.weight", "bn1.weight", "bn1.bias", "bn1.running_mean", "bn1.running_var", "bn1.num_batches_tracked",
            "head.3.weight", "head.3.bias",
        }, m.state_dict().Keys);
        Assert.Equal(5, m.parameters().Count());
        Assert.Equal(ScalarType.Int64, m.state_dict()["bn1.num_batches_tracked"].dtype);
        Assert.Empty(m.state_dict()["bn1.num_batches_tracked"].shape);
    }

    [Fact]
    public void SequentialKeepsGivenNamesAndRunsInOrder()
    {
        using var seq = new Sequential();
        seq.append("conv0", new Conv2d(1, 2, 1, bias: false)).append("relu0", new ReLU()).append(new Flatten());
        Assert.Equal(new[] { "conv0", "relu0", "2" }, seq.named_children().Select(c => c.name));
        Assert.Equal(new[] { "conv0.weight" }, seq.state_dict().Keys);
        using var scope = torch.NewDisposeScope();
        init.constant_(((Conv2d)seq[0]).weight, -1);
        var y = seq.call(torch.ones(new long[] { 1, 1, 2, 2 }));
        Assert.Equal(new long[] { 1, 8 }, y.shape);
        Assert.Equal(0.0, y.abs().sum().item<double>()); // conv gives -1, relu clamps to 0
    }

    [Fact]
    public void BatchNormTracksBatchesAndUsesRunningStatsInEval()
    {
        using var scope = torch.NewDisposeScope();
        using var bn = new BatchNorm2d(2);
        var x = torch.randn(new long[] { 4, 2, 3, 3 }) * 3 + 1;
        bn.call(x);
        bn.call(x);
        Assert.Equal(2, bn.num_batches_tracked!.item<long>());
        var mean = x.mean(new long[] { 0, 2, 3 });
        // running_mean = 0.9^2*0 + (1-0.9^2) * batch mean after two identical batches
        EngineOracle.AssertClose(mean * 0.19, bn.running_mean!, 1e-5, 1e-6, "running_mean");
        bn.eval();
        Assert.False(bn.training);
        var y = bn.call(x);
        Assert.Equal(2, bn.num_batches_tracked!.item<long>());
        var expected = (x - bn.running_mean!.reshape(1, 2, 1, 1)) / (bn.running_var!.reshape(1, 2, 1, 1) + 1e-5).sqrt();
        EngineOracle.AssertClose(expected, y, 1e-5, 1e-5, "eval output");
    }

    [Fact]
    public void LoadStateDictCopiesValuesAndChannelsLastKeepsParameterIdentity()
    {
        using var scope = torch.NewDisposeScope();
        torch.manual_seed(1);
        using var a = new Block();
        torch.manual_seed(2);
        using var b = new Block();
        var x = torch.randn(new long[] { 2, 3, 5, 5 });
        a.eval(); b.eval();
        Assert.False(a.call(x).equal(b.call(x)));
        b.load_state_dict(a.state_dict());
        Assert.True(a.call(x).equal(b.call(x)));

        var w = b.conv1.weight;
        b.to(MemoryFormat.ChannelsLast);
        Assert.Same(w, b.conv1.weight);
        Assert.True(b.conv1.weight.is_contiguous(MemoryFormat.ChannelsLast));
        Assert.True(b.conv1.weight.requires_grad);
        var xcl = x.contiguous(MemoryFormat.ChannelsLast);
        EngineOracle.AssertClose(a.call(x), b.call(xcl), 1e-5, 1e-6, "channels_last output");
        Assert.True(F_conv(b, xcl).is_contiguous(MemoryFormat.ChannelsLast));
    }

    private static Tensor F_conv(Block b, Tensor x) => b.conv1.call(x);

    [Fact]
    public void ChannelsLastReachesAOneChannelConvolution()
    {
        // A grey film's stem: an [out, 1, k, k] weight counts as contiguous in both formats, so contiguous(ChannelsLast)
        // keeps its NCHW strides and libtorch's convolution then runs NCHW for it (ResNet-18 inference 0.66x PyTorch).
        // Module.to must re-lay it as PyTorch's Module.to does.
        using var scope = torch.NewDisposeScope();
        torch.manual_seed(3);
        using var conv = new Conv2d(1, 8, 3, padding: 1, bias: false);
        var x = torch.randn(new long[] { 2, 1, 6, 6 });
        var expected = conv.call(x);
        conv.to(MemoryFormat.ChannelsLast);
        Assert.Equal(1, conv.weight.stride()[1]);
        Assert.Equal(1, x.to(MemoryFormat.ChannelsLast).stride()[1]);
        var y = conv.call(x.contiguous(MemoryFormat.ChannelsLast));
        Assert.True(y.is_contiguous(MemoryFormat.ChannelsLast) && !y.is_contiguous(), "the 1-channel convolution ran NCHW");
        EngineOracle.AssertClose(expected, y, 1e-5, 1e-6, "channels_last output");
    }

    [Fact]
    public void InitFollowsTorchFormulas()
    {
        using var scope = torch.NewDisposeScope();
        var w = torch.empty(new long[] { 64, 32, 3, 3 });
        init.kaiming_normal_(w, mode: FanMode.FanOut, nonlinearity: NonlinearityType.ReLU);
        double std = Math.Sqrt(2.0 / (64 * 9));
        Assert.InRange(w.std(0).mean().item<double>(), std * 0.9, std * 1.1);
        Assert.InRange(w.mean().item<double>(), -std * 0.05, std * 0.05);
        init.constant_(w, 0.25);
        Assert.Equal(0.25, w.max().item<double>());
        Assert.Equal(0.25, w.min().item<double>());
        var u = torch.empty(new long[] { 1000, 10 });
        init.kaiming_uniform_(u, a: Math.Sqrt(5));
        Assert.True(u.abs().max().item<double>() <= 1 / Math.Sqrt(10) + 1e-7);
    }
}
