namespace XRayHpc.Torch.nn;

/// <summary>y = x Wᵀ + b; parameters `weight` (out, in) and optional `bias`.</summary>
public sealed class Linear : Module<Tensor, Tensor>
{
    public readonly long in_features, out_features;
    public Parameter weight { get; }
    public Parameter? bias { get; }

    public Linear(long in_features, long out_features, bool bias = true) : base(nameof(Linear))
    {
        (this.in_features, this.out_features) = (in_features, out_features);
        using var d = torch.NewDisposeScope();
        weight = new Parameter(torch.empty(new[] { out_features, in_features }));
        register_parameter("weight", weight);
        if (bias)
        {
            this.bias = new Parameter(torch.empty(new[] { out_features }));
            register_parameter("bias", this.bias);
        }
        reset_parameters();
    }

    /// <summary>PyTorch's default: kaiming_uniform_(a=√5) weights, U(±1/√in) bias.</summary>
    public void reset_parameters()
    {
        init.kaiming_uniform_(weight, a: Math.Sqrt(5));
        if (bias is null) return;
        double bound = in_features > 0 ? 1 / Math.Sqrt(in_features) : 0;
        init.uniform_(bias, -bound, bound);
    }

    public override Tensor forward(Tensor input) => functional.linear(input, weight, bias);
}
