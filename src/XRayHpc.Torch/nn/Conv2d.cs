namespace XRayHpc.Torch.nn;

/// <summary>2-D convolution; parameters `weight` (out, in/groups, kh, kw) and optional `bias`.</summary>
public sealed class Conv2d : Module<Tensor, Tensor>
{
    public readonly long in_channels, out_channels, groups;
    public readonly long[] kernel_size, stride, padding, dilation;
    public Parameter weight { get; }
    public Parameter? bias { get; }

    public Conv2d(long in_channels, long out_channels, long kernel_size, long stride = 1, long padding = 0,
                  long dilation = 1, long groups = 1, bool bias = true)
        : this(in_channels, out_channels, new[] { kernel_size, kernel_size }, new[] { stride, stride },
               new[] { padding, padding }, new[] { dilation, dilation }, groups, bias) { }

    public Conv2d(long in_channels, long out_channels, long[] kernel_size, long[] stride, long[] padding,
                  long[] dilation, long groups = 1, bool bias = true) : base(nameof(Conv2d))
    {
        if (in_channels % groups != 0 || out_channels % groups != 0)
            throw new ArgumentException($"Conv2d: channels ({in_channels}, {out_channels}) must be divisible by groups ({groups})");
        (this.in_channels, this.out_channels, this.groups) = (in_channels, out_channels, groups);
        (this.kernel_size, this.stride, this.padding, this.dilation) = (kernel_size, stride, padding, dilation);
        using var d = torch.NewDisposeScope();
        weight = new Parameter(torch.empty(new[] { out_channels, in_channels / groups, kernel_size[0], kernel_size[1] }));
        register_parameter("weight", weight);
        if (bias)
        {
            this.bias = new Parameter(torch.empty(new[] { out_channels }));
            register_parameter("bias", this.bias);
        }
        reset_parameters();
    }

    /// <summary>PyTorch's default: kaiming_uniform_(a=√5) weights, U(±1/√fan_in) bias.</summary>
    public void reset_parameters()
    {
        init.kaiming_uniform_(weight, a: Math.Sqrt(5));
        if (bias is null) return;
        var (fanIn, _) = init.calculate_fan_in_and_fan_out(weight);
        double bound = fanIn > 0 ? 1 / Math.Sqrt(fanIn) : 0;
        init.uniform_(bias, -bound, bound);
    }

    public override Tensor forward(Tensor input) => functional.conv2d(input, weight, bias, stride, padding, dilation, groups);
}
