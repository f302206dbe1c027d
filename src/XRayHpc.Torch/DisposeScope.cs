namespace XRayHpc.Torch;

/// <summary>
/// Collects every tensor created on this thread while it is the innermost scope and disposes them
/// when the scope is disposed, except those moved out (<see cref="Tensor.MoveToOuterDisposeScope"/>)
/// or detached (<see cref="Tensor.DetachFromDisposeScope"/>). Per-thread, nestable:
/// <code>using (var d = torch.NewDisposeScope()) { ...; loss = x.MoveToOuterDisposeScope(); }</code>
/// A training loop must use one per step: libtorch memory is invisible to the GC, so tensors left to
/// finalizers grow RSS by ~100 MB per step.
/// </summary>
public sealed class DisposeScope : IDisposable
{
    [ThreadStatic] private static DisposeScope? current;

    private readonly List<Tensor> tensors = new();
    internal readonly DisposeScope? Outer;
    private bool disposed;

    internal DisposeScope()
    {
        Outer = current;
        current = this;
    }

    /// <summary>The innermost live scope of the calling thread, or null.</summary>
    public static DisposeScope? Current => current;

    /// <summary>Tensors this scope will dispose (registered and not moved out or disposed yet).</summary>
    public int Count
    {
        get
        {
            int n = 0;
            foreach (var t in tensors) if (t.OwningScope == this && !t.IsDisposed) n++;
            return n;
        }
    }

    internal void Register(Tensor t)
    {
        if (disposed) throw new ObjectDisposedException(nameof(DisposeScope));
        t.OwningScope = this;
        tensors.Add(t);
    }

    /// <summary>Adds an existing tensor (e.g. one created outside) to this scope.</summary>
    public Tensor Include(Tensor t)
    {
        Register(t);
        return t;
    }

    /// <summary>Disposes the scope's tensors now, keeping the scope open for more.</summary>
    public void DisposeEverything()
    {
        foreach (var t in tensors)
            if (t.OwningScope == this) { t.OwningScope = null; t.Dispose(); }
        tensors.Clear();
    }

    public void Dispose()
    {
        if (disposed) return;
        DisposeEverything();
        disposed = true;
        // Scopes normally close innermost-first; if an outer one is closed early, skip it when popping.
        if (current == this)
        {
            var s = Outer;
            while (s != null && s.disposed) s = s.Outer;
            current = s;
        }
    }

    internal static DisposeScope? LiveOuter(DisposeScope s)
    {
        var o = s.Outer;
        while (o != null && o.disposed) o = o.Outer;
        return o;
    }
}
