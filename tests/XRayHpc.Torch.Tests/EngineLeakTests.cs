using XRayHpc.Torch;
using XRayHpc.Torch.nn;
using Xunit;
using F = XRayHpc.Torch.nn.functional;

namespace XRayHpc.Torch.Tests;

/// <summary>Long loops keep native memory flat when each step runs in a dispose scope.</summary>
public class EngineLeakTests
{
    private static long VmRssKb()
    {
        foreach (var line in File.ReadLines("/proc/self/status"))
            if (line.StartsWith("VmRSS:")) return long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1]);
        throw new InvalidOperationException("no VmRSS in /proc/self/status");
    }

    [Fact]
    public void ScopedTrainingLoopKeepsRssAndHandlesFlat()
    {
        torch.manual_seed(0);
        using var conv1 = new Conv2d(1, 16, 3, padding: 1, bias: false);
        using var bn1 = new BatchNorm2d(16);
        using var conv2 = new Conv2d(16, 32, 3, stride: 2, padding: 1, bias: false);
        using var fc = new Linear(32, 4);
        var ps = new Module[] { conv1, bn1, conv2, fc }.SelectMany(m => m.parameters()).ToList();
        using var x = torch.randn(new long[] { 16, 1, 24, 24 });
        using var y = torch.randint(0, 4, new long[] { 16 });

        void Step(bool bf16)
        {
            using var scope = torch.NewDisposeScope();
            Tensor loss;
            using (bf16 ? torch.autocast() : null)
            {
                var h = F.max_pool2d(bn1.call(conv1.call(x)).relu(), 2);
                h = F.adaptive_avg_pool2d(conv2.call(h).relu(), 1).flatten(1);
                loss = F.cross_entropy(fc.call(h), y);
            }
            loss.backward();
            using (torch.no_grad())
                foreach (var p in ps) { p.add_(p.grad!, -0.01); p.grad = null; }
        }

        for (int i = 0; i < 20; i++) Step(i % 2 == 0);  // warm-up: allocator and autocast caches settle
        long rss0 = VmRssKb();
        long handles0 = torch.live_tensor_count_this_thread();
        for (int i = 0; i < 150; i++) Step(i % 2 == 0);
        long rss1 = VmRssKb();
        Assert.Equal(handles0, torch.live_tensor_count_this_thread());
        Assert.True(rss1 <= rss0 * 1.05, $"RSS grew from {rss0} kB to {rss1} kB over 150 steps");
    }

    [Fact]
    public void FailingOpsLeakNoHandles()
    {
        using var a = torch.ones(new long[] { 2, 3 });
        using var b = torch.ones(new long[] { 3, 3 });
        long before = torch.live_tensor_count_this_thread();
        for (int i = 0; i < 3; i++)
        {
            using var scope = torch.NewDisposeScope();
            Assert.Throws<TorchException>(() => a + b);
            Assert.Throws<TorchException>(() => F.conv2d(a, b));
        }
        Assert.Equal(before, torch.live_tensor_count_this_thread());
    }
}
