namespace XRayHpc.Torch.nn;

/// <summary>
/// Base of all layers and models. Parameters, buffers and children are registered explicitly in
/// construction order; dotted names ("layer1.0.conv1.weight") match PyTorch's state_dict.
/// The module owns its parameters and buffers and disposes them with itself.
/// </summary>
public abstract class Module : IDisposable
{
    private readonly List<(string name, Parameter? p)> paramList = new();
    private readonly List<(string name, Tensor? b, bool persistent)> bufferList = new();
    private readonly List<(string name, Module m)> childList = new();
    private bool disposed;

    protected Module(string name) => this.name = name;
    protected Module() => name = GetType().Name;

    public string name { get; }
    public bool training { get; private set; } = true;

    // ---- registration ----
    public void register_module(string name, Module module)
    {
        CheckNewName(name);
        childList.Add((name, module));
    }

    /// <summary>Registers a parameter; null registers a name with no tensor (e.g. bias=false).</summary>
    public void register_parameter(string name, Parameter? parameter)
    {
        CheckNewName(name);
        paramList.Add((name, parameter));
    }

    /// <summary>Registers a buffer (saved in state_dict when persistent). The module takes ownership.</summary>
    public void register_buffer(string name, Tensor? buffer, bool persistent = true)
    {
        CheckNewName(name);
        buffer?.DetachFromDisposeScope();
        bufferList.Add((name, buffer, persistent));
    }

    private void CheckNewName(string name)
    {
        if (string.IsNullOrEmpty(name) || name.Contains('.'))
            throw new ArgumentException($"{GetType().Name}: invalid member name '{name}'");
        if (paramList.Any(x => x.name == name) || bufferList.Any(x => x.name == name) || childList.Any(x => x.name == name))
            throw new ArgumentException($"{GetType().Name}: '{name}' is already registered");
    }

    /// <summary>Replaces a registered buffer's tensor (disposing the old one).</summary>
    protected void set_buffer(string name, Tensor value)
    {
        int i = bufferList.FindIndex(x => x.name == name);
        if (i < 0) throw new ArgumentException($"{GetType().Name}: no buffer '{name}'");
        var old = bufferList[i];
        value.DetachFromDisposeScope();
        bufferList[i] = (name, value, old.persistent);
        if (!ReferenceEquals(old.b, value)) old.b?.Dispose();
    }

    // ---- enumeration ----
    public IEnumerable<(string name, Module module)> named_children() => childList;
    public IEnumerable<Module> children() => childList.Select(c => c.m);

    public IEnumerable<(string name, Module module)> named_modules(string prefix = "")
    {
        yield return (prefix, this);
        foreach (var (n, m) in childList)
            foreach (var x in m.named_modules(prefix.Length == 0 ? n : prefix + "." + n))
                yield return x;
    }
    public IEnumerable<Module> modules() => named_modules().Select(x => x.module);

    public IEnumerable<(string name, Parameter parameter)> named_parameters(bool recurse = true)
    {
        foreach (var (n, p) in paramList)
            if (p != null) yield return (n, p);
        if (!recurse) yield break;
        foreach (var (cn, c) in childList)
            foreach (var (n, p) in c.named_parameters())
                yield return (cn + "." + n, p);
    }
    /// <summary>All parameters, recursively, in registration order (PyTorch's module.parameters()).</summary>
    public IEnumerable<Parameter> parameters(bool recurse = true) => named_parameters(recurse).Select(x => x.parameter);

    public IEnumerable<(string name, Tensor buffer)> named_buffers(bool recurse = true) => NamedBuffers(recurse, persistentOnly: false);
    public IEnumerable<Tensor> buffers(bool recurse = true) => named_buffers(recurse).Select(x => x.buffer);

    private IEnumerable<(string name, Tensor buffer)> NamedBuffers(bool recurse, bool persistentOnly)
    {
        foreach (var (n, b, persistent) in bufferList)
            if (b != null && (persistent || !persistentOnly)) yield return (n, b);
        if (!recurse) yield break;
        foreach (var (cn, c) in childList)
            foreach (var (n, b) in c.NamedBuffers(true, persistentOnly))
                yield return (cn + "." + n, b);
    }

    /// <summary>
    /// Parameters then buffers per module, in PyTorch's order. The values ARE the module's tensors
    /// (not copies): don't dispose them; clone them to keep a snapshot.
    /// </summary>
    public Dictionary<string, Tensor> state_dict()
    {
        var d = new Dictionary<string, Tensor>();
        AddState(d, "");
        return d;
    }

    private void AddState(Dictionary<string, Tensor> d, string prefix)
    {
        foreach (var (n, p) in paramList) if (p != null) d[prefix + n] = p;
        foreach (var (n, b, persistent) in bufferList) if (b != null && persistent) d[prefix + n] = b;
        foreach (var (cn, c) in childList) c.AddState(d, prefix + cn + ".");
    }

    /// <summary>
    /// Copies values into this module's tensors (shapes must match; dtypes are converted). With strict,
    /// missing or unexpected keys throw, naming them, before anything is copied.
    /// </summary>
    public (List<string> missing, List<string> unexpected) load_state_dict(IReadOnlyDictionary<string, Tensor> source, bool strict = true)
    {
        var own = state_dict();
        var missing = own.Keys.Where(k => !source.ContainsKey(k)).ToList();
        var unexpected = source.Keys.Where(k => !own.ContainsKey(k)).ToList();
        if (strict && (missing.Count > 0 || unexpected.Count > 0))
            throw new ArgumentException($"load_state_dict: missing keys [{string.Join(", ", missing)}], unexpected keys [{string.Join(", ", unexpected)}]");
        foreach (var (k, dst) in own)
        {
            if (!source.TryGetValue(k, out var src)) continue;
            var ds = dst.shape;
            var ss = src.shape;
            if (!ds.SequenceEqual(ss))
                throw new ArgumentException($"load_state_dict: '{k}' has shape [{string.Join(", ", ss)}], the module expects [{string.Join(", ", ds)}]");
        }
        using (torch.no_grad())
            foreach (var (k, dst) in own)
                if (source.TryGetValue(k, out var src)) dst.copy_(src);
        return (missing, unexpected);
    }

    // ---- modes ----
    public virtual Module train(bool on = true)
    {
        training = on;
        foreach (var (_, c) in childList) c.train(on);
        return this;
    }
    public Module eval() => train(false);

    /// <summary>Sets every parameter's gradient to None (set_to_none=True, PyTorch 2's default).</summary>
    public void zero_grad()
    {
        foreach (var p in parameters()) p.grad = null;
    }

    // ---- conversions (in place: parameters keep their identity, so optimizers stay valid) ----
    /// <summary>Converts 4-D parameters and buffers to the memory format (channels_last for conv nets), as PyTorch's
    /// Module.to(memory_format=...) does: by Tensor.to, so a 1-channel stem's weight gets channels_last strides too
    /// (with contiguous() it kept NCHW strides and its convolution ran NCHW).</summary>
    public Module to(MemoryFormat format)
    {
        ConvertAll(t => t.dim() == 4 ? t.to(format) : null);
        return this;
    }
    /// <summary>Converts floating-point parameters and buffers to the dtype.</summary>
    public Module to(ScalarType dtype)
    {
        ConvertAll(t => ScalarTypes.IsFloating(t.dtype) ? t.to(dtype) : null);
        return this;
    }
    public Module to(Device device)
    {
        ConvertAll(t => t.to(device));
        return this;
    }

    private void ConvertAll(Func<Tensor, Tensor?> convert)
    {
        using var _ = torch.no_grad();
        foreach (var m in modules())
        {
            foreach (var (_, p) in m.paramList)
                if (p != null) SetData(p, convert);
            foreach (var (_, b, _) in m.bufferList)
                if (b != null) SetData(b, convert);
        }
    }

    private static void SetData(Tensor t, Func<Tensor, Tensor?> convert)
    {
        var n = convert(t);
        if (n == null) return;
        t.set_data(n);
        n.Dispose();
    }

    // ---- lifetime ----
    public void Dispose()
    {
        Dispose(true);
        GC.SuppressFinalize(this);
    }

    protected virtual void Dispose(bool disposing)
    {
        if (disposed || !disposing) return;
        disposed = true;
        foreach (var (_, p) in paramList) p?.Dispose();
        foreach (var (_, b, _) in bufferList) b?.Dispose();
        foreach (var (_, c) in childList) c.Dispose();
    }
}

/// <summary>A module with a typed forward.</summary>
public abstract class Module<T, TResult> : Module
{
    protected Module(string name) : base(name) { }
    protected Module() { }
    public abstract TResult forward(T input);
    public TResult call(T input) => forward(input);
}
