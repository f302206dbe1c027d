namespace XRayHpc.Torch.nn;

/// <summary>
/// Runs children in order. Unnamed children are called "0", "1", ... (PyTorch's names); named ones keep
/// their names (DenseNet's `features.conv0`). Intermediate results are left to the caller's dispose
/// scope: a training step should run inside one.
/// </summary>
public sealed class Sequential : Module<Tensor, Tensor>
{
    private readonly List<Module<Tensor, Tensor>> layers = new();

    /// <summary>An empty container to fill with <see cref="append(string, Module{Tensor, Tensor})"/>.</summary>
    public Sequential() : base(nameof(Sequential)) { }

    public Sequential(params Module<Tensor, Tensor>[] modules) : base(nameof(Sequential))
    {
        foreach (var m in modules) append(m);
    }

    public Sequential(params (string name, Module<Tensor, Tensor> module)[] modules) : base(nameof(Sequential))
    {
        foreach (var (n, m) in modules) append(n, m);
    }

    public Sequential append(Module<Tensor, Tensor> module) => append(layers.Count.ToString(), module);

    public Sequential append(string name, Module<Tensor, Tensor> module)
    {
        register_module(name, module);
        layers.Add(module);
        return this;
    }

    public int Count => layers.Count;
    public Module<Tensor, Tensor> this[int i] => layers[i];

    public override Tensor forward(Tensor input)
    {
        var x = input;
        foreach (var layer in layers) x = layer.forward(x);
        return x;
    }
}
