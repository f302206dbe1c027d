namespace XRayHpc.Torch.nn;

public sealed class MaxPool2d : Module<Tensor, Tensor>
{
    private readonly long[] kernel, stride, padding, dilation;
    private readonly bool ceilMode;

    public MaxPool2d(long kernel_size, long? stride = null, long padding = 0, long dilation = 1, bool ceil_mode = false) : base(nameof(MaxPool2d))
    {
        kernel = new[] { kernel_size, kernel_size };
        var s = stride ?? kernel_size;
        this.stride = new[] { s, s };
        this.padding = new[] { padding, padding };
        this.dilation = new[] { dilation, dilation };
        ceilMode = ceil_mode;
    }

    public override Tensor forward(Tensor input) => functional.max_pool2d(input, kernel, stride, padding, dilation, ceilMode);
}

public sealed class AvgPool2d : Module<Tensor, Tensor>
{
    private readonly long[] kernel, stride, padding;
    private readonly bool ceilMode, countIncludePad;
    private readonly long? divisorOverride;

    public AvgPool2d(long kernel_size, long? stride = null, long padding = 0, bool ceil_mode = false, bool count_include_pad = true,
                     long? divisor_override = null) : base(nameof(AvgPool2d))
    {
        kernel = new[] { kernel_size, kernel_size };
        var s = stride ?? kernel_size;
        this.stride = new[] { s, s };
        this.padding = new[] { padding, padding };
        (ceilMode, countIncludePad, divisorOverride) = (ceil_mode, count_include_pad, divisor_override);
    }

    public override Tensor forward(Tensor input) =>
        functional.avg_pool2d(input, kernel, stride, padding, ceilMode, countIncludePad, divisorOverride);
}

public sealed class AdaptiveAvgPool2d : Module<Tensor, Tensor>
{
    private readonly long[] outputSize;
    public AdaptiveAvgPool2d(long output_size) : this(output_size, output_size) { }
    public AdaptiveAvgPool2d(long height, long width) : base(nameof(AdaptiveAvgPool2d)) => outputSize = new[] { height, width };
    public override Tensor forward(Tensor input) => functional.adaptive_avg_pool2d(input, outputSize);
}
