using XRayHpc.Torch;
using XRayHpc.Torch.nn;
using Xunit;
using F = XRayHpc.Torch.nn.functional;

namespace XRayHpc.Torch.Tests;

/// <summary>Builds every oracle input once and runs the Python oracle once for the whole class.</summary>
public sealed class EngineOracleFixture : IDisposable
{
    public readonly Dictionary<string, Tensor> ConvBnIn, OpsIn, InteropIn;
    public readonly Dictionary<string, Tensor> ConvBnOut, OpsOut, SeededOut, InteropOut;
    public readonly Dictionary<string, string> OpsMeta;
    private readonly DisposeScope scope;

    private static Tensor R(params long[] shape) => torch.randn(shape);

    public EngineOracleFixture()
    {
        scope = torch.NewDisposeScope();
        torch.manual_seed(7);
        ConvBnIn = new Dictionary<string, Tensor>
        {
            ["x"] = R(4, 3, 8, 8), ["w"] = R(5, 3, 3, 3), ["b"] = R(5), ["gamma"] = torch.rand(new long[] { 5 }) + 0.5,
            ["beta"] = R(5), ["running_mean"] = R(5), ["running_var"] = torch.rand(new long[] { 5 }) + 0.5, ["r"] = R(4, 5, 4, 4),
        };
        torch.manual_seed(11);
        OpsIn = new Dictionary<string, Tensor>
        {
            ["x"] = R(2, 3, 8, 8), ["lw"] = R(4, 3), ["lb"] = R(4), ["cls"] = torch.tensor(new long[] { 3, 1 }),
            ["multi"] = torch.tensor(new float[] { 1, 0, 0, 1, 0, 1, 1, 0 }, new long[] { 2, 4 }),
            ["mask"] = torch.tensor(new float[] { 1, 1, 0, 1, 1, 0, 1, 1 }, new long[] { 2, 4 }),
            ["pw"] = torch.tensor(new float[] { 2, 0.5f, 3, 1 }), ["rmp"] = R(2, 3, 4, 4), ["rap"] = R(2, 3, 4, 4),
        };
        // Every dtype holds arange values the Python reader checks exactly.
        InteropIn = new Dictionary<string, Tensor>();
        foreach (var dt in Enum.GetValues<ScalarType>())
        {
            var t = torch.arange(0, 6, 1, ScalarType.Int64).reshape(2, 3);
            InteropIn[$"t_{dt}"] = dt == ScalarType.Bool ? (t - (t / 2).floor() * 2).eq(1) : t.to(dt);
        }
        InteropIn["empty"] = torch.zeros(new long[] { 0, 4 });
        InteropIn["scalar"] = torch.scalar_tensor(0);
        InteropIn["channels_last"] = torch.arange(0, 2 * 3 * 2 * 2, 1, ScalarType.Float32).reshape(2, 3, 2, 2).contiguous(MemoryFormat.ChannelsLast);

        var results = EngineOracle.RunAll(
            new EngineOracle.Job("conv_bn", ConvBnIn),
            new EngineOracle.Job("ops", OpsIn),
            new EngineOracle.Job("seeded", new Dictionary<string, Tensor> { ["unused"] = torch.zeros(new long[] { 1 }) }),
            new EngineOracle.Job("interop", InteropIn, new Dictionary<string, string> { ["written_by"] = "xrayhpc" }));
        ConvBnOut = results[0].tensors;
        (OpsOut, OpsMeta) = results[1];
        SeededOut = results[2].tensors;
        InteropOut = results[3].tensors;
        // Keep the inputs and answers for the tests; the scope frees the temporaries and closes.
        foreach (var t in Kept()) t.DetachFromDisposeScope();
        scope.Dispose();
    }

    private IEnumerable<Tensor> Kept() =>
        new[] { ConvBnIn, OpsIn, InteropIn, ConvBnOut, OpsOut, SeededOut, InteropOut }.SelectMany(d => d.Values);

    public void Dispose()
    {
        foreach (var t in Kept()) t.Dispose();
    }
}

/// <summary>Our ops against Debian's PyTorch on the same inputs (forward and backward).</summary>
public class EngineOracleTests(EngineOracleFixture oracle) : IClassFixture<EngineOracleFixture>
{
    [Fact]
    public void ConvBatchNormForwardBackwardMatchTorch()
    {
        using var scope = torch.NewDisposeScope();
        var inputs = oracle.ConvBnIn;
        var expected = oracle.ConvBnOut;

        var x = inputs["x"].clone().requires_grad_();
        var w = inputs["w"].clone().requires_grad_();
        var b = inputs["b"].clone().requires_grad_();
        var g = inputs["gamma"].clone().requires_grad_();
        var be = inputs["beta"].clone().requires_grad_();
        var rm = inputs["running_mean"].clone();
        var rv = inputs["running_var"].clone();
        var y = F.batch_norm(F.conv2d(x, w, b, stride: 2, padding: 1), rm, rv, g, be, training: true, momentum: 0.1, eps: 1e-5);
        (y * inputs["r"]).sum().backward();
        Tensor yEval;
        using (torch.no_grad())
            yEval = F.batch_norm(F.conv2d(x, w, b, stride: 2, padding: 1), rm, rv, g, be, training: false);

        var actual = new Dictionary<string, Tensor>
        {
            ["y"] = y, ["y_eval"] = yEval, ["rm"] = rm, ["rv"] = rv, ["gx"] = x.grad!, ["gw"] = w.grad!, ["gb"] = b.grad!,
            ["ggamma"] = g.grad!, ["gbeta"] = be.grad!,
        };
        foreach (var (k, v) in actual) EngineOracle.AssertClose(expected[k], v, 1e-4, 1e-5, k);
    }

    [Fact]
    public void PoolingCatSoftmaxLinearAndLossesMatchTorch()
    {
        using var scope = torch.NewDisposeScope();
        var inputs = oracle.OpsIn;
        var expected = oracle.OpsOut;
        Assert.Equal("ops", oracle.OpsMeta["oracle"]);

        var x = inputs["x"].clone().requires_grad_();
        var mp = F.max_pool2d(x, 3, 2, 1);
        var ap = F.avg_pool2d(x, 2, 2);
        var aap = F.adaptive_avg_pool2d(x, 1);
        var c = torch.cat(new[] { mp, mp * 2 }, 1);
        var logits = F.linear(aap.flatten(1), inputs["lw"], inputs["lb"]);
        var sm = F.softmax(logits, 1);
        var lsm = F.log_softmax(logits, 1);
        var ce = F.cross_entropy(logits, inputs["cls"]);
        var bce = F.binary_cross_entropy_with_logits(logits, inputs["multi"], weight: inputs["mask"], pos_weight: inputs["pw"]);
        var total = ce + bce + (mp * inputs["rmp"]).sum() + (ap * inputs["rap"]).sum() + c.sum() * 0.01;
        total.backward();

        var actual = new Dictionary<string, Tensor>
        {
            ["mp"] = mp, ["ap"] = ap, ["aap"] = aap, ["c"] = c, ["logits"] = logits, ["sm"] = sm, ["lsm"] = lsm,
            ["ce"] = ce.reshape(1), ["bce"] = bce.reshape(1), ["gx"] = x.grad!,
        };
        foreach (var (k, v) in actual) EngineOracle.AssertClose(expected[k], v, 1e-5, 1e-6, k);
    }

    [Fact]
    public void ManualSeedGivesTorchsOwnRandomStream()
    {
        using var scope = torch.NewDisposeScope();
        var expected = oracle.SeededOut;
        torch.manual_seed(1234);
        var ours = new Dictionary<string, Tensor>
        {
            ["randn"] = torch.randn(new long[] { 7 }), ["rand"] = torch.rand(new long[] { 3, 2 }),
            ["randint"] = torch.randint(0, 100, new long[] { 5 }), ["randperm"] = torch.randperm(6),
        };
        foreach (var (k, v) in ours) Assert.True(expected[k].equal(v), $"{k}: ours {string.Join(",", v.ToArray<double>())} vs torch {string.Join(",", expected[k].ToArray<double>())}");
    }

    [Fact]
    public void SafetensorsInteropWithPythonBothDirections()
    {
        using var scope = torch.NewDisposeScope();
        // Ours -> Python: checked by the oracle itself (it fails the run on a mismatch).
        var ours = oracle.InteropIn;
        var answer = oracle.InteropOut;

        // Python -> ours: values written by Python's own writer.
        Assert.Equal(ours.Count, answer["echo_names"].item<long>());
        Assert.Equal(ScalarType.Float32, answer["py_f32"].dtype);
        Assert.Equal(new long[] { 3, 4 }, answer["py_f32"].shape);
        var lin = answer["py_f32"].ToArray<float>();
        Assert.Equal(-1f, lin[0]);
        Assert.Equal(1f, lin[11]);
        Assert.Equal(ScalarType.BFloat16, answer["py_bf16"].dtype);
        Assert.Equal(new float[] { 1.5f, -2.25f, 3f }, answer["py_bf16"].ToArray<float>());
        Assert.Equal(new long[] { 1, -2, 3, 4L << 40 }, answer["py_i64"].ToArray<long>());
        Assert.Equal(new byte[] { 0, 7, 255 }, answer["py_u8"].ToArray<byte>());
        Assert.Equal(new[] { true, false, true }, answer["py_bool"].ToArray<bool>());
        Assert.Equal(new float[] { 0.5f, 65504f }, answer["py_f16"].ToArray<float>());
        Assert.Equal(new[] { -7, 9 }, answer["py_i32"].ToArray<int>());
        Assert.Empty(answer["py_scalar"].shape);
        Assert.Equal(3.25, answer["py_scalar"].item<double>());
    }
}
