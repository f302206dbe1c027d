namespace XRayHpc.Torch.nn;

/// <summary>max(0, x). inplace overwrites the input (and returns it, a second owner is NOT made).</summary>
public sealed class ReLU : Module<Tensor, Tensor>
{
    private readonly bool inplace;
    public ReLU(bool inplace = false) : base(nameof(ReLU)) => this.inplace = inplace;
    public override Tensor forward(Tensor input) => inplace ? functional.relu_(input) : input.relu();
}

public sealed class Sigmoid : Module<Tensor, Tensor>
{
    public Sigmoid() : base(nameof(Sigmoid)) { }
    public override Tensor forward(Tensor input) => input.sigmoid();
}

public sealed class Dropout : Module<Tensor, Tensor>
{
    private readonly double p;
    public Dropout(double p = 0.5) : base(nameof(Dropout))
    {
        if (p < 0 || p > 1) throw new ArgumentException($"Dropout probability has to be between 0 and 1, but got {p}");
        this.p = p;
    }
    public override Tensor forward(Tensor input) => functional.dropout(input, p, training);
}

public sealed class Flatten : Module<Tensor, Tensor>
{
    private readonly long start, end;
    public Flatten(long start_dim = 1, long end_dim = -1) : base(nameof(Flatten)) => (start, end) = (start_dim, end_dim);
    public override Tensor forward(Tensor input) => input.flatten(start, end);
}

/// <summary>Returns its input unchanged (the same tensor object).</summary>
public sealed class Identity : Module<Tensor, Tensor>
{
    public Identity() : base(nameof(Identity)) { }
    public override Tensor forward(Tensor input) => input;
}
