namespace XRayHpc.Torch.nn;

public enum FanMode { FanIn, FanOut }
public enum NonlinearityType { Linear, Conv2d, Sigmoid, Tanh, ReLU, LeakyReLU }

/// <summary>In-place initializers, as torch.nn.init (same formulas, same generator draws).</summary>
public static class init
{
    /// <summary>(fan_in, fan_out) as torch.nn.init._calculate_fan_in_and_fan_out.</summary>
    public static (long fanIn, long fanOut) calculate_fan_in_and_fan_out(Tensor tensor)
    {
        var s = tensor.shape;
        if (s.Length < 2) throw new ArgumentException("fan in and fan out can not be computed for a tensor with fewer than 2 dimensions");
        long receptive = 1;
        for (int i = 2; i < s.Length; i++) receptive *= s[i];
        return (s[1] * receptive, s[0] * receptive);
    }

    public static double calculate_gain(NonlinearityType nonlinearity, double param = 0.01) => nonlinearity switch
    {
        NonlinearityType.Tanh => 5.0 / 3,
        NonlinearityType.ReLU => Math.Sqrt(2.0),
        NonlinearityType.LeakyReLU => Math.Sqrt(2.0 / (1 + param * param)),
        _ => 1.0,
    };

    public static Tensor kaiming_normal_(Tensor tensor, double a = 0, FanMode mode = FanMode.FanIn, NonlinearityType nonlinearity = NonlinearityType.LeakyReLU)
    {
        var (fi, fo) = calculate_fan_in_and_fan_out(tensor);
        double std = calculate_gain(nonlinearity, a) / Math.Sqrt(mode == FanMode.FanIn ? fi : fo);
        return tensor.normal_(0, std);
    }

    public static Tensor kaiming_uniform_(Tensor tensor, double a = 0, FanMode mode = FanMode.FanIn, NonlinearityType nonlinearity = NonlinearityType.LeakyReLU)
    {
        var (fi, fo) = calculate_fan_in_and_fan_out(tensor);
        double bound = Math.Sqrt(3.0) * calculate_gain(nonlinearity, a) / Math.Sqrt(mode == FanMode.FanIn ? fi : fo);
        return tensor.uniform_(-bound, bound);
    }

    public static Tensor xavier_uniform_(Tensor tensor, double gain = 1)
    {
        var (fi, fo) = calculate_fan_in_and_fan_out(tensor);
        double a = gain * Math.Sqrt(6.0 / (fi + fo));
        return tensor.uniform_(-a, a);
    }

    public static Tensor normal_(Tensor tensor, double mean = 0, double std = 1) => tensor.normal_(mean, std);
    public static Tensor uniform_(Tensor tensor, double a = 0, double b = 1) => tensor.uniform_(a, b);

    public static Tensor constant_(Tensor tensor, double value)
    {
        using (torch.no_grad()) return tensor.fill_(value);
    }
    public static Tensor zeros_(Tensor tensor)
    {
        using (torch.no_grad()) return tensor.zero_();
    }
    public static Tensor ones_(Tensor tensor) => constant_(tensor, 1);
}
