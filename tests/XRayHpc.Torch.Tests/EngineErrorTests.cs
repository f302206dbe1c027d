using XRayHpc.Torch;
using XRayHpc.Torch.nn;
using Xunit;
using F = XRayHpc.Torch.nn.functional;

namespace XRayHpc.Torch.Tests;

/// <summary>libtorch errors surface as TorchException with libtorch's message; the process keeps working.</summary>
public class EngineErrorTests
{
    private static void NextOpStillWorks()
    {
        using var scope = torch.NewDisposeScope();
        var a = torch.ones(new long[] { 2, 2 });
        Assert.Equal(8.0, (a + a).sum().item<double>());
    }

    [Fact]
    public void ShapeMismatchRaisesTorchExceptionWithLibtorchMessage()
    {
        using var scope = torch.NewDisposeScope();
        var a = torch.ones(new long[] { 2, 3 });
        var b = torch.ones(new long[] { 4, 5 });
        var e = Assert.Throws<TorchException>(() => a.add(b));
        Assert.Contains("must match the size of tensor b", e.Message);
        Assert.DoesNotContain("Exception raised from", e.Message); // libtorch's C++ backtrace is stripped
        var m = Assert.Throws<TorchException>(() => a.matmul(torch.ones(new long[] { 2, 3 })));
        Assert.Contains("cannot be multiplied", m.Message);
        var v = Assert.Throws<TorchException>(() => a.view(7));
        Assert.Contains("invalid for input of size 6", v.Message);
        var conv = Assert.Throws<TorchException>(() => F.conv2d(torch.ones(new long[] { 1, 3, 8, 8 }), torch.ones(new long[] { 4, 2, 3, 3 })));
        Assert.Contains("expected input[1, 3, 8, 8] to have 2 channels", conv.Message);
        NextOpStillWorks();
    }

    [Fact]
    public void UnsupportedDtypeRaisesTorchException()
    {
        using var scope = torch.NewDisposeScope();
        var ints = torch.ones(new long[] { 1, 1, 4, 4 }, ScalarType.Int64);
        var e = Assert.Throws<TorchException>(() => F.max_pool2d(ints.to(ScalarType.Bool), 2));
        Assert.Contains("Bool", e.Message);
        var s = Assert.Throws<TorchException>(() => F.softmax(ints, 1));
        Assert.Contains("Long", s.Message);
        Assert.Throws<NotSupportedException>(() => ints.ToArray<char>());
        NextOpStillWorks();
    }

    [Fact]
    public void FailedAllocationRaisesTorchException()
    {
        var e = Assert.Throws<TorchException>(() => torch.empty(new long[] { 1L << 50 }));
        Assert.Contains("DefaultCPUAllocator: can't allocate memory: you tried to allocate 4503599627370496 bytes", e.Message);
        NextOpStillWorks();
    }

    [Fact]
    public void AutogradMisuseRaisesTorchException()
    {
        using var scope = torch.NewDisposeScope();
        var x = torch.ones(new long[] { 3 }, requires_grad: true);
        var y = (x * x).sum();
        y.backward();
        var e = Assert.Throws<TorchException>(() => y.backward());
        Assert.Contains("backward through the graph a second time", e.Message);
        var n = Assert.Throws<TorchException>(() => torch.ones(new long[] { 3 }).sum().backward());
        Assert.Contains("does not require grad", n.Message);
        NextOpStillWorks();
    }

    [Fact]
    public void DisposedTensorAndBadCopiesAreRejected()
    {
        var t = torch.ones(new long[] { 3 });
        t.Dispose();
        Assert.True(t.IsDisposed);
        Assert.Throws<ObjectDisposedException>(() => t.sum());
        t.Dispose(); // idempotent
        using var u = torch.zeros(new long[] { 3 });
        var e = Assert.Throws<TorchException>(() => u.CopyFrom(new float[] { 1, 2 }));
        Assert.Contains("3 elements", e.Message);
        Assert.Throws<ArgumentException>(() => torch.tensor(new float[] { 1, 2, 3 }, new long[] { 2, 2 }));
        NextOpStillWorks();
    }

    [Fact]
    public void ErrorsAreKeptPerThread()
    {
        // The last-error string is thread-local: a failure on another thread can't replace ours.
        var started = new ManualResetEventSlim();
        var other = new Thread(() =>
        {
            started.Set();
            for (int i = 0; i < 20; i++)
                try { using var z = torch.zeros(new long[] { 2 }); z.view(3); } catch (TorchException) { }
        });
        other.Start();
        started.Wait();
        using var a = torch.ones(new long[] { 2, 2 });
        for (int i = 0; i < 20; i++)
        {
            var e = Assert.Throws<TorchException>(() => a.select(5, 0));
            Assert.Contains("Dimension out of range", e.Message);
        }
        other.Join();
    }

    [Fact]
    public void ModuleStateDictErrorsNameTheKeys()
    {
        using var bn = new BatchNorm2d(4);
        using var scope = torch.NewDisposeScope();
        var sd = bn.state_dict().ToDictionary(kv => kv.Key, kv => kv.Value.clone());
        sd.Remove("running_var");
        sd["extra"] = torch.zeros(new long[] { 1 });
        var e = Assert.Throws<ArgumentException>(() => bn.load_state_dict(sd));
        Assert.Contains("running_var", e.Message);
        Assert.Contains("extra", e.Message);
        sd["running_var"] = torch.ones(new long[] { 5 });
        var s = Assert.Throws<ArgumentException>(() => bn.load_state_dict(sd, strict: false));
        Assert.Contains("'running_var' has shape [5]", s.Message);
    }
}
