using System.Runtime.CompilerServices;
using XRayHpc.Torch;
using XRayHpc.Torch.nn;
using Xunit;

namespace XRayHpc.Torch.Tests;

/// <summary>Tensor lifetimes: dispose scopes free everything made inside; counted per thread so parallel tests don't interfere.</summary>
public class EngineScopeTests
{
    [Fact]
    public void DisposeScopeFreesEverythingCreatedInside()
    {
        long before = torch.live_tensor_count_this_thread();
        using (var scope = torch.NewDisposeScope())
        {
            var a = torch.randn(new long[] { 8, 8 });
            var b = (a * 2 + 1).relu().sum();
            var (v, i) = a.topk(2);
            Assert.Equal(7, scope.Count); // a, a*2, +1, relu, sum, values, indices
            Assert.Equal(before + 7, torch.live_tensor_count_this_thread());
        }
        Assert.Equal(before, torch.live_tensor_count_this_thread());
    }

    [Fact]
    public void MovedTensorsSurviveTheirScopeAndNestedScopesUnwind()
    {
        long before = torch.live_tensor_count_this_thread();
        Tensor kept, outerKept;
        using (var outer = torch.NewDisposeScope())
        {
            using (var inner = torch.NewDisposeScope())
            {
                var tmp = torch.ones(new long[] { 3 });
                kept = (tmp * 5).MoveToOuterDisposeScope();    // now owned by `outer`
                Assert.Same(inner, DisposeScope.Current);
            }
            Assert.Same(outer, DisposeScope.Current);
            Assert.False(kept.IsDisposed);
            Assert.Equal(15.0, kept.sum().item<double>());
            outerKept = kept.MoveToOuterDisposeScope();       // no scope above: caller owns it
        }
        Assert.Null(DisposeScope.Current);
        Assert.False(outerKept.IsDisposed);
        Assert.Equal(before + 1, torch.live_tensor_count_this_thread());
        outerKept.Dispose();
        Assert.Equal(before, torch.live_tensor_count_this_thread());
    }

    [Fact]
    public void DetachedTensorsAndModuleParametersAreNotDisposedByTheScope()
    {
        // Earlier tests' abandoned tensors are freed by whichever thread next creates a tensor (the finalizer only
        // queues them), which would count against this thread mid-test: collect and drain them first.
        GC.Collect();
        GC.WaitForPendingFinalizers();
        using (torch.zeros(new long[] { 1 })) { }
        long before = torch.live_tensor_count_this_thread();
        Linear lin;
        Tensor detached;
        using (torch.NewDisposeScope())
        {
            lin = new Linear(4, 2);
            detached = torch.zeros(new long[] { 2 }).DetachFromDisposeScope();
            using var x = torch.randn(new long[] { 3, 4 });
            lin.call(x).sum().backward();
            Assert.NotNull(lin.weight.grad);
        }
        Assert.False(lin.weight.IsDisposed);
        Assert.False(detached.IsDisposed);
        Assert.Equal(new long[] { 2, 4 }, lin.weight.shape);
        detached.Dispose();
        lin.Dispose();
        Assert.True(lin.weight.IsDisposed);
        Assert.Equal(before, torch.live_tensor_count_this_thread());
    }

    [Fact]
    public void TrainingStepsInScopesDoNotAccumulateHandles()
    {
        using var conv = new Conv2d(1, 4, 3, padding: 1);
        using var bn = new BatchNorm2d(4);
        using var fc = new Linear(4, 2);
        var ps = conv.parameters().Concat(bn.parameters()).Concat(fc.parameters()).ToList();
        long after1 = 0;
        for (int step = 0; step < 30; step++)
        {
            using (var scope = torch.NewDisposeScope())
            {
                var x = torch.randn(new long[] { 4, 1, 8, 8 });
                var y = torch.tensor(new long[] { 0, 1, 1, 0 });
                var h = functional.adaptive_avg_pool2d(bn.call(conv.call(x)).relu(), 1).flatten(1);
                var loss = functional.cross_entropy(fc.call(h), y);
                loss.backward();
                using (torch.no_grad())
                    foreach (var p in ps) p.add_(p.grad!, -0.1);
            }
            if (step == 0) after1 = torch.live_tensor_count_this_thread();
        }
        // Gradients are created by autograd (not handles); only the step's handles come and go.
        Assert.Equal(after1, torch.live_tensor_count_this_thread());
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void Abandon(int n)
    {
        for (int i = 0; i < n; i++) torch.zeros(new long[] { 16 }); // never disposed, no scope
    }

    [Fact]
    public void FinalizedTensorsAreQueuedAndFreedByTheNextCreation()
    {
        long finalizedBefore = torch.finalized_tensor_count();
        Abandon(10);
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
        Assert.True(torch.finalized_tensor_count() >= finalizedBefore + 10,
            $"finalized {torch.finalized_tensor_count() - finalizedBefore} of 10 abandoned tensors");
        using var next = torch.ones(new long[] { 1 }); // drains the queue on this managed thread
        Assert.Equal(0, torch.finalized_tensors_pending());
    }

    [Fact]
    public void ScopesArePerThread()
    {
        using var mine = torch.NewDisposeScope();
        DisposeScope? seenOnOther = mine;
        Tensor? madeOnOther = null;
        var t = new Thread(() => { seenOnOther = DisposeScope.Current; madeOnOther = torch.ones(new long[] { 1 }); });
        t.Start();
        t.Join();
        Assert.Null(seenOnOther);
        Assert.Equal(0, mine.Count);
        madeOnOther!.Dispose();
    }
}
