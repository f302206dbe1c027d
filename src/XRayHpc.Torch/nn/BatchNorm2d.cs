namespace XRayHpc.Torch.nn;

/// <summary>
/// Batch normalization over (N, H, W) per channel, as torch.nn.BatchNorm2d: parameters weight/bias,
/// buffers running_mean, running_var and num_batches_tracked (int64 scalar), same names and order.
/// momentum null means a cumulative moving average (1/num_batches_tracked).
/// </summary>
public sealed class BatchNorm2d : Module<Tensor, Tensor>
{
    public readonly long num_features;
    public readonly double eps;
    public readonly double? momentum;
    public readonly bool affine, track_running_stats;
    public Parameter? weight { get; }
    public Parameter? bias { get; }
    public Tensor? running_mean { get; }
    public Tensor? running_var { get; }
    public Tensor? num_batches_tracked { get; }

    public BatchNorm2d(long num_features, double eps = 1e-5, double? momentum = 0.1, bool affine = true, bool track_running_stats = true)
        : base(nameof(BatchNorm2d))
    {
        (this.num_features, this.eps, this.momentum, this.affine, this.track_running_stats) =
            (num_features, eps, momentum, affine, track_running_stats);
        using var d = torch.NewDisposeScope();
        if (affine)
        {
            weight = new Parameter(torch.ones(new[] { num_features }));
            bias = new Parameter(torch.zeros(new[] { num_features }));
            register_parameter("weight", weight);
            register_parameter("bias", bias);
        }
        if (track_running_stats)
        {
            running_mean = torch.zeros(new[] { num_features });
            running_var = torch.ones(new[] { num_features });
            num_batches_tracked = torch.zeros(Array.Empty<long>(), ScalarType.Int64);
            register_buffer("running_mean", running_mean);
            register_buffer("running_var", running_var);
            register_buffer("num_batches_tracked", num_batches_tracked);
        }
    }

    public override Tensor forward(Tensor input)
    {
        if (input.dim() != 4)
            throw new ArgumentException($"BatchNorm2d expects 4-D input (N, C, H, W), got [{string.Join(", ", input.shape)}]");
        double factor = momentum ?? 0.0;
        if (training && track_running_stats)
        {
            num_batches_tracked!.add_(1);
            if (momentum is null) factor = 1.0 / num_batches_tracked.item<long>();
        }
        // Batch statistics while training, or when no running statistics are kept.
        bool useBatchStats = training || running_mean is null;
        bool passStats = !training || track_running_stats;
        return functional.batch_norm(input, passStats ? running_mean : null, passStats ? running_var : null,
                                     weight, bias, useBatchStats, factor, eps);
    }
}
