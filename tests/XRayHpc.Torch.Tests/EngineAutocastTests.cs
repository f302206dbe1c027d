using XRayHpc.Torch;
using XRayHpc.Torch.nn;
using Xunit;
using F = XRayHpc.Torch.nn.functional;

namespace XRayHpc.Torch.Tests;

public class EngineAutocastTests
{
    [Fact]
    public void AutocastRunsConvAndLinearInBFloat16AndRestoresState()
    {
        using var scope = torch.NewDisposeScope();
        using var conv = new Conv2d(3, 4, 3, padding: 1);
        var x = torch.randn(new long[] { 2, 3, 6, 6 });
        Assert.False(torch.is_autocast_cpu_enabled());
        using (torch.autocast(ScalarType.BFloat16))
        {
            Assert.True(torch.is_autocast_cpu_enabled());
            var y = conv.call(x);
            Assert.Equal(ScalarType.BFloat16, y.dtype);
            // Losses are on CPU autocast's fp32 list (same as PyTorch 1.13).
            var logits = y.mean(new long[] { 2, 3 });
            Assert.Equal(ScalarType.Float32, F.cross_entropy(logits, torch.tensor(new long[] { 0, 3 })).dtype);
            Assert.Equal(ScalarType.Float32, F.binary_cross_entropy_with_logits(logits, torch.ones(new long[] { 2, 4 })).dtype);
            using (torch.autocast())
                Assert.True(torch.is_autocast_cpu_enabled());
            Assert.True(torch.is_autocast_cpu_enabled()); // inner exit keeps the outer context on
        }
        Assert.False(torch.is_autocast_cpu_enabled());
        Assert.Equal(ScalarType.Float32, conv.call(x).dtype);
    }

    [Fact]
    public void UpdatedWeightsAreSeenByTheNextAutocastStep()
    {
        // The autocast cache keeps bf16 copies of leaf weights; leaving the context must clear it,
        // or the second forward silently reuses the stale copy (conv layers stop learning).
        using var scope = torch.NewDisposeScope();
        using var conv = new Conv2d(2, 3, 3, padding: 1, bias: false);
        var x = torch.randn(new long[] { 1, 2, 5, 5 });
        Tensor y1, y2;
        using (torch.autocast()) y1 = conv.call(x);
        using (torch.no_grad()) conv.weight.add_(0.5);
        using (torch.autocast()) y2 = conv.call(x);
        var expected = F.conv2d(x.to(ScalarType.BFloat16), conv.weight.detach().to(ScalarType.BFloat16), padding: 1);
        Assert.False(y1.equal(y2));
        Assert.True(expected.equal(y2));
    }

    [Fact]
    public void BFloat16TrainingKeepsLearningAcrossSteps()
    {
        torch.manual_seed(3);
        using var conv = new Conv2d(1, 8, 3, padding: 1);
        using var fc = new Linear(8, 2);
        var ps = conv.parameters().Concat(fc.parameters()).ToList();
        using var x = torch.randn(new long[] { 8, 1, 6, 6 });
        using var y = torch.tensor(new long[] { 0, 1, 0, 1, 1, 0, 1, 0 });
        var losses = new List<double>();
        var convWeightAt = new List<float[]>();
        for (int step = 0; step < 40; step++)
        {
            using var s = torch.NewDisposeScope();
            Tensor loss;
            using (torch.autocast())
            {
                var h = F.adaptive_avg_pool2d(conv.call(x).relu(), 1).flatten(1);
                loss = F.cross_entropy(fc.call(h), y);
            }
            loss.backward();
            using (torch.no_grad())
                foreach (var p in ps) { p.add_(p.grad!, -0.5); p.grad = null; }
            losses.Add(loss.item<double>());
            convWeightAt.Add(conv.weight.ToArray<float>());
        }
        Assert.True(losses[^1] < losses[0] * 0.7, $"loss {losses[0]:F4} -> {losses[^1]:F4}");
        // The conv weights move in late steps too (a stale bf16 cache would freeze their gradient signal).
        Assert.NotEqual(convWeightAt[^2], convWeightAt[^1]);
    }

    [Fact]
    public void AutocastMustBeExitedOnItsThread()
    {
        var ctx = torch.autocast();
        Exception? error = null;
        var t = new Thread(() => { try { ctx.Dispose(); } catch (Exception e) { error = e; } });
        t.Start();
        t.Join();
        Assert.IsType<InvalidOperationException>(error);
        ctx.Dispose();
        Assert.False(torch.is_autocast_cpu_enabled());
    }
}
