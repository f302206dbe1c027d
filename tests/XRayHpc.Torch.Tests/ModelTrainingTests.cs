using XRayHpc.Models;
using XRayHpc.Torch;
using XRayHpc.Torch.nn;
using XRayHpc.Torch.optim;
using Xunit.Abstractions;

namespace XRayHpc.Torch.Tests;

/// <summary>
/// End-to-end training behaviour of the models with the optimizers: a fixed batch is memorised
/// (fp32 and bf16 autocast), runs are deterministic for a seed, and a long loop does not grow memory.
/// </summary>
public class ModelTrainingTests(ITestOutputHelper output)
{
    private static (Tensor x, Tensor y) FixedBatch(int n, int channels, int size, int classes, long seed)
    {
        torch.manual_seed(seed);
        var x = torch.randn([n, channels, size, size]).DetachFromDisposeScope();
        var y = torch.randint(0, classes, [n]).DetachFromDisposeScope();
        return (x, y);
    }

    /// <summary>One training step; returns the number of correctly classified samples in the batch.</summary>
    private static long Step(Module<Tensor, Tensor> model, Optimizer opt, Tensor x, Tensor y, bool bf16)
    {
        using var scope = torch.NewDisposeScope();
        opt.zero_grad();
        Tensor logits, loss;
        using (bf16 ? torch.autocast(ScalarType.BFloat16) : null)
        {
            logits = model.call(x);
            loss = nn.functional.cross_entropy(logits, y);
        }
        loss.backward();
        opt.step();
        return logits.argmax(1).eq(y).sum().item<long>();
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Resnet18_overfits_a_fixed_batch_of_32(bool bf16)
    {
        const int maxSteps = 60;
        torch.set_num_threads(2);
        var (x, y) = FixedBatch(32, 1, 32, 4, seed: 7);
        using var _x = x;
        using var _y = y;
        torch.manual_seed(1);
        using var model = ResNet.resnet18(4, inChannels: 1);
        model.train();
        using var opt = new SGD(model.parameters(), lr: 0.05, momentum: 0.9);
        int solvedAt = -1;
        for (int s = 0; s < maxSteps && solvedAt < 0; s++)
            if (Step(model, opt, x, y, bf16) == 32) solvedAt = s;
        Assert.True(solvedAt >= 0, $"{(bf16 ? "bf16" : "fp32")}: not 100% training accuracy within {maxSteps} steps");
        output.WriteLine($"{(bf16 ? "bf16" : "fp32")}: 100% training accuracy after {solvedAt + 1} steps");
    }

    [Fact]
    public void Same_seed_and_threads_give_bit_identical_weights()
    {
        torch.set_num_threads(2);
        byte[] Run()
        {
            var (x, y) = FixedBatch(8, 3, 32, 3, seed: 3);
            using var _x = x;
            using var _y = y;
            torch.manual_seed(5);
            using var model = ResNet.resnet18(3);
            using var opt = new AdamW(model.parameters(), lr: 1e-3);
            for (int s = 0; s < 3; s++) Step(model, opt, x, y, bf16: false);
            using var fc = model.state_dict()["fc.weight"].contiguous();
            return fc.ToBytes();
        }
        Assert.Equal(Run(), Run());
    }

    /// <summary>Live native tensors once tensors other tests left to the GC have been finalized and freed.</summary>
    private static long LiveTensorsAfterGc()
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        using (torch.zeros([1])) { } // creating a tensor frees the handles the finalizer queued
        return torch.live_tensor_count();
    }

    private static long VmRssKb()
    {
        foreach (var line in File.ReadLines("/proc/self/status"))
            if (line.StartsWith("VmRSS:", StringComparison.Ordinal))
                return long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1]);
        throw new InvalidOperationException("no VmRSS in /proc/self/status");
    }

    [Fact]
    public void Thousand_training_steps_do_not_grow_memory()
    {
        const int warmup = 50, steps = 1000;
        torch.set_num_threads(1);
        var (x, y) = FixedBatch(2, 1, 64, 2, seed: 11);
        using var _x = x;
        using var _y = y;
        torch.manual_seed(2);
        using var model = ResNet.resnet18(2, inChannels: 1);
        model.train();
        using var opt = new SGD(model.parameters(), lr: 0.01, momentum: 0.9, weight_decay: 1e-4);
        for (int s = 0; s < warmup; s++) Step(model, opt, x, y, bf16: false);
        long rss0 = VmRssKb(), live0 = LiveTensorsAfterGc();
        for (int s = 0; s < steps; s++) Step(model, opt, x, y, bf16: false);
        long rss1 = VmRssKb(), live1 = LiveTensorsAfterGc();
        Assert.True(live1 <= live0, $"native tensors alive grew from {live0} to {live1} over {steps} steps");
        Assert.True(rss1 <= rss0 * 1.05, $"RSS grew from {rss0} KiB after warm-up to {rss1} KiB after {steps} more steps");
    }
}
