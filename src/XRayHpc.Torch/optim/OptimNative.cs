using System.Runtime.InteropServices;
using XRayHpc.Torch.nn;

namespace XRayHpc.Torch.optim;

/// <summary>
/// P/Invoke surface of src/native/torch/optim.cpp: one call per parameter group. Handles are pinned
/// (SafeHandle AddRef) for the duration of each call so no tensor can be released mid-step.
/// </summary>
internal static unsafe class OptimNative
{
    [DllImport(Native.Lib)] private static extern int xt_sgd_step(IntPtr* ps, IntPtr* bufs, byte* hasBuf, int n, double lr,
        double momentum, double dampening, double weightDecay, int nesterov, int maximize);
    [DllImport(Native.Lib)] private static extern int xt_adam_step(IntPtr* ps, IntPtr* expAvg, IntPtr* expAvgSq, double* steps, int n,
        double lr, double beta1, double beta2, double eps, double weightDecay, int decoupled, int maximize);
    [DllImport(Native.Lib)] private static extern int xt_zero_grad(IntPtr* ps, int n, int setToNone);
    [DllImport(Native.Lib)] private static extern IntPtr xt_clip_grad_norm(IntPtr* ps, int n, double maxNorm, double normType);
    [DllImport(Native.Lib)] private static extern int xt_unscale_grads(IntPtr* ps, int n, double invScale);

    /// <summary>Holds AddRef'd raw handles of a tensor list; Dispose releases them.</summary>
    private readonly ref struct Pinned
    {
        private readonly SafeHandle?[] owners;
        public readonly IntPtr[] Ptrs;

        public Pinned(IReadOnlyList<Tensor?> ts)
        {
            owners = new SafeHandle?[ts.Count];
            Ptrs = new IntPtr[ts.Count];
            for (int i = 0; i < ts.Count; i++)
            {
                var t = ts[i];
                if (t is null) continue;
                var h = HandleOf(t);
                bool ok = false;
                h.DangerousAddRef(ref ok);
                owners[i] = h;
                Ptrs[i] = h.DangerousGetHandle();
            }
        }

        public void Dispose()
        {
            foreach (var h in owners) h?.DangerousRelease();
        }
    }

    private static SafeHandle HandleOf(Tensor t) => t.handle;

    public static void SgdStep(IReadOnlyList<Parameter> ps, Tensor?[] bufs, byte[] has, double lr, double momentum,
                               double dampening, double weightDecay, bool nesterov, bool maximize)
    {
        using var p = new Pinned(ps);
        using var b = new Pinned(bufs);
        fixed (IntPtr* pp = p.Ptrs) fixed (IntPtr* bp = b.Ptrs) fixed (byte* hp = has)
            Native.Check(xt_sgd_step(pp, bp, hp, ps.Count, lr, momentum, dampening, weightDecay, nesterov ? 1 : 0, maximize ? 1 : 0));
    }

    public static void AdamStep(IReadOnlyList<Parameter> ps, Tensor[] expAvg, Tensor[] expAvgSq, double[] steps, double lr,
                                double beta1, double beta2, double eps, double weightDecay, bool decoupled, bool maximize)
    {
        using var p = new Pinned(ps);
        using var a = new Pinned(expAvg);
        using var s = new Pinned(expAvgSq);
        fixed (IntPtr* pp = p.Ptrs) fixed (IntPtr* ap = a.Ptrs) fixed (IntPtr* sp = s.Ptrs) fixed (double* st = steps)
            Native.Check(xt_adam_step(pp, ap, sp, st, ps.Count, lr, beta1, beta2, eps, weightDecay, decoupled ? 1 : 0, maximize ? 1 : 0));
    }

    public static void ZeroGrad(IReadOnlyList<Parameter> ps, bool setToNone)
    {
        using var p = new Pinned(ps);
        fixed (IntPtr* pp = p.Ptrs) Native.Check(xt_zero_grad(pp, ps.Count, setToNone ? 1 : 0));
    }

    public static Tensor ClipGradNorm(IReadOnlyList<Tensor> ps, double maxNorm, double normType)
    {
        using var p = new Pinned(ps);
        fixed (IntPtr* pp = p.Ptrs) return Tensor.Wrap(xt_clip_grad_norm(pp, ps.Count, maxNorm, normType));
    }

    /// <summary>Multiplies every gradient by invScale; true when any gradient held inf or NaN.</summary>
    public static bool UnscaleGrads(IReadOnlyList<Tensor> ps, double invScale)
    {
        using var p = new Pinned(ps);
        int r;
        fixed (IntPtr* pp = p.Ptrs) r = xt_unscale_grads(pp, ps.Count, invScale);
        Native.Check(r);
        return r == 1;
    }

    /// <summary>Zero state tensor shaped and laid out like the parameter (torch.zeros_like, preserve_format).</summary>
    public static Tensor ZerosLike(Tensor p)
    {
        using var _ = torch.no_grad();
        var z = p.zeros_like();
        return z.DetachFromDisposeScope();
    }

    /// <summary>Copies a checkpointed state tensor into an optimizer-owned one, checking the shape first.</summary>
    public static void CopyInto(Tensor dst, Tensor src, string name)
    {
        if (!dst.shape.SequenceEqual(src.shape))
            throw new ArgumentException($"optimizer state '{name}' has shape [{string.Join(",", src.shape)}], " +
                                        $"the parameter needs [{string.Join(",", dst.shape)}]");
        using var _ = torch.no_grad();
        dst.copy_(src);
    }
}
