using Xunit.Abstractions;
using XRayHpc.Models;
using XRayHpc.Torch;

namespace XRayHpc.Explain.Tests;

/// <summary>
/// Grad-CAM and CAM against PyTorch hooks on the same weights (oracle/gradcam_oracle.py): for ResNet-18 and
/// DenseNet-121, two classes each, a batch of two. Tolerance: max |ours − oracle| ≤ 1e-4 × max |oracle| for the
/// feature-resolution maps and the bilinear upsampled map (float32 through two different convolution call
/// orders; the eval logits of the same models agree to 1e-5 in the Torch tests).
/// </summary>
public class GradCamOracleTests(ITestOutputHelper output)
{
    const double Tolerance = 1e-4;

    public static TheoryData<string, int> Cases => new() { { "resnet18", 1 }, { "densenet121", 3 } };

    [Theory]
    [MemberData(nameof(Cases))]
    public void Maps_match_pytorch_hooks(string name, int inChannels)
    {
        const int classes = 5, size = 128, seed = 4321;
        int[] targets = [1, 3];
        torch.set_num_threads(1);
        var dir = Oracle.TempDir(name);
        try
        {
            Oracle.Run("/usr/bin/python3", Path.Combine(Oracle.Dir, "gradcam_oracle.py"), name, $"{classes}", $"{inChannels}", $"{size}", $"{seed}",
                string.Join(',', targets), dir);
            var (weights, _) = Safetensors.Load(Path.Combine(dir, "weights.safetensors"));
            var (o, _) = Safetensors.Load(Path.Combine(dir, "oracle.safetensors"));
            using var net = ModelZoo.Create(name, classes, inChannels);
            net.load_state_dict(weights);
            net.eval();
            foreach (var p in net.parameters()) p.requires_grad = false;
            var conv = (IConvClassifier)net;
            var x = o["input"];
            float[] expectedLogits = o["logits"].ToArray<float>();
            foreach (int c in targets)
            {
                var grad = GradCam.Compute(conv, x, c, CamMethod.GradCam);
                var plain = GradCam.Compute(conv, x, c, CamMethod.Cam);
                Assert.Equal(2, grad.Count);
                Assert.True(grad.Height > 1 && grad.Width > 1, $"{name}: feature map {grad.Height}x{grad.Width}");
                double dLogit = MaxRel(grad.Logits, expectedLogits);
                double dGrad = MaxRel(grad.Maps, o[$"gradcam.{c}"].ToArray<float>());
                double dPlain = MaxRel(plain.Maps, o[$"cam.{c}"].ToArray<float>());
                var up = new List<float>();
                for (int i = 0; i < grad.Count; i++) up.AddRange(CamMap.Upsample(grad.Map(i), grad.Height, grad.Width, size, size));
                double dUp = MaxRel(up.ToArray(), o[$"gradcam_up.{c}"].ToArray<float>());
                output.WriteLine($"{name} class {c}: feature map {grad.Height}x{grad.Width}; max rel diff logits {dLogit:E2}, Grad-CAM {dGrad:E2}, upsampled {dUp:E2}, CAM {dPlain:E2}");
                Assert.True(grad.Maps.Any(v => v > 0), $"{name} class {c}: Grad-CAM is all zero (the oracle comparison would be vacuous)");
                Assert.True(dLogit < 1e-5, $"{name}: logits differ by {dLogit:E2}");
                Assert.True(dGrad < Tolerance, $"{name} class {c}: Grad-CAM differs by {dGrad:E2}");
                Assert.True(dUp < Tolerance, $"{name} class {c}: upsampled Grad-CAM differs by {dUp:E2}");
                Assert.True(dPlain < Tolerance, $"{name} class {c}: CAM differs by {dPlain:E2}");
            }
            Assert.All(net.parameters(), p => Assert.Null(p.grad)); // only the feature map was differentiated
            foreach (var t in weights.Values.Concat(o.Values)) t.Dispose();
        }
        finally { Directory.Delete(dir, recursive: true); }
    }

    /// <summary>Plain CAM is the logit decomposed over positions: its spatial mean plus the class bias is the logit.</summary>
    [Fact]
    public void Cam_mean_plus_bias_is_the_logit()
    {
        torch.set_num_threads(1);
        torch.manual_seed(5);
        using var net = ModelZoo.Create("resnet18", 4, 1);
        net.eval();
        using var x = torch.randn([3, 1, 96, 96]);
        var cam = GradCam.Compute((IConvClassifier)net, x, 2, CamMethod.Cam);
        var bias = ((IConvClassifier)net).Classifier.bias!.ToArray<float>()[2];
        for (int i = 0; i < 3; i++)
        {
            double mean = cam.Map(i).ToArray().Average(v => (double)v);
            Assert.Equal(cam.Logit(i), mean + bias, 4);
        }
    }

    static double MaxRel(float[] actual, float[] expected)
    {
        Assert.Equal(expected.Length, actual.Length);
        double diff = 0, max = 0;
        for (int i = 0; i < actual.Length; i++)
        {
            diff = Math.Max(diff, Math.Abs(actual[i] - expected[i]));
            max = Math.Max(max, Math.Abs(expected[i]));
        }
        return max == 0 ? diff : diff / max;
    }
}
