using XRayHpc.Torch;
using XRayHpc.Torch.amp;
using XRayHpc.Torch.nn;
using XRayHpc.Torch.optim;

namespace XRayHpc.Torch.Tests;

/// <summary>GradScaler's state machine (run on CPU with an explicitly enabled scaler) and clip_grad_norm_.</summary>
public class OptimGradScalerTests
{
    private static void SetGrad(Parameter p, params float[] values)
    {
        using var g = torch.tensor(values, [values.Length]);
        p.grad = g;
    }

    [Fact]
    public void Skips_the_step_and_backs_off_on_inf_then_grows_after_the_interval()
    {
        using var p = new Parameter(torch.ones([2]));
        using var opt = new SGD([p], lr: 1.0);
        var scaler = new GradScaler(init_scale: 1024, growth_factor: 2, backoff_factor: 0.5, growth_interval: 2, enabled: true);

        using (var loss = torch.tensor([3f], [1]))
        using (var scaled = scaler.scale_loss(loss))
            Assert.Equal(3f * 1024, scaled.ToArray<float>()[0]);

        // Step 1: an inf gradient -> no parameter change, scale halves, tracker resets.
        SetGrad(p, float.PositiveInfinity, 1024);
        Assert.False(scaler.step(opt));
        scaler.update();
        Assert.Equal(new float[] { 1, 1 }, p.ToArray<float>());
        Assert.Equal(512, scaler.get_scale());
        Assert.Equal(0, scaler.growth_tracker);

        // Steps 2 and 3: finite gradients are unscaled (÷512) before the step; after 2 clean steps the scale doubles.
        SetGrad(p, 512, 1024);
        Assert.True(scaler.step(opt));
        scaler.update();
        Assert.Equal(new float[] { 0, -1 }, p.ToArray<float>());
        Assert.Equal(512, scaler.get_scale());
        Assert.Equal(1, scaler.growth_tracker);
        SetGrad(p, 0, 512);
        Assert.True(scaler.step(opt));
        scaler.update();
        Assert.Equal(new float[] { 0, -2 }, p.ToArray<float>());
        Assert.Equal(1024, scaler.get_scale());
        Assert.Equal(0, scaler.growth_tracker);

        // NaN counts as overflow too; unscale_ twice in one step is an error.
        SetGrad(p, float.NaN, 0);
        scaler.unscale_(opt);
        Assert.Throws<InvalidOperationException>(() => scaler.unscale_(opt));
        Assert.False(scaler.step(opt));
        scaler.update();
        Assert.Equal(512, scaler.get_scale());

        // State round trip.
        var restored = new GradScaler(enabled: true);
        restored.load_state_dict(scaler.state_dict());
        Assert.Equal(512, restored.get_scale());
    }

    [Fact]
    public void Disabled_scaler_is_the_identity()
    {
        using var p = new Parameter(torch.ones([1]));
        using var opt = new SGD([p], lr: 1.0);
        var scaler = new GradScaler(enabled: false);
        using var loss = torch.tensor([2f], [1]);
        Assert.Same(loss, scaler.scale_loss(loss));
        SetGrad(p, 0.5f);
        Assert.True(scaler.step(opt));
        scaler.update();
        Assert.Equal(0.5f, p.ToArray<float>()[0]);
        Assert.Equal(1.0, scaler.get_scale());
    }

    [Fact]
    public void Clip_grad_norm_matches_torch_formula()
    {
        using var a = new Parameter(torch.zeros([2]));
        using var b = new Parameter(torch.zeros([1]));
        using var c = new Parameter(torch.zeros([1])); // no gradient: ignored, as in torch
        SetGrad(a, 3, 0);
        SetGrad(b, 4);
        using (var norm = nn.utils.clip_grad_norm_([a, b, c], max_norm: 1.0))
            Assert.Equal(5f, norm.item<float>());
        float coef = (float)(1.0 / (5.0f + 1e-6f));
        using (var ga = a.grad!) Assert.Equal(new[] { 3 * coef, 0f }, ga.ToArray<float>());
        using (var gb = b.grad!) Assert.Equal(4 * coef, gb.ToArray<float>()[0], 6);
        Assert.Null(c.grad);

        // Below the limit nothing changes (coefficient clamps to 1); inf-norm variant.
        SetGrad(a, 0.1f, -0.2f);
        using (var n2 = nn.utils.clip_grad_norm_([a], max_norm: 10.0, norm_type: double.PositiveInfinity))
            Assert.Equal(0.2f, n2.item<float>(), 6);
        using (var ga = a.grad!) Assert.Equal(new[] { 0.1f, -0.2f }, ga.ToArray<float>());
    }
}
