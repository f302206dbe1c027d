using XRayHpc.Models;
using XRayHpc.Torch.serialization;

namespace XRayHpc.Torch.Tests;

/// <summary>
/// torch.save state_dicts read by our restricted unpickler (oracle/make_pth.py writes them with Debian's
/// PyTorch from torchvision models): every key, bit for bit, in the zip and legacy formats and inside a
/// checkpoint dict; the loaded model's eval logits within 1e-5 of torchvision's; the 3 -> 1 channel stem
/// adaptation against the same adaptation done in PyTorch; a head of another size re-initialised.
/// </summary>
public class PthImportTests
{
    [Theory]
    [InlineData("resnet50")]
    [InlineData("densenet121")]
    public void Torchvision_pth_loads_every_key_and_matches_torchvision(string name)
    {
        const int seed = 321, classes = 10;
        torch.set_num_threads(1);
        var dir = ModelOracle.TempDir("pth-" + name);
        string stem = ModelOracle.Run("make_pth.py", name, classes.ToString(), seed.ToString(), dir).Trim() + ".weight";
        var (expected, _) = Safetensors.Load(Path.Combine(dir, "weights.safetensors"));
        var (o, _) = Safetensors.Load(Path.Combine(dir, "oracle.safetensors"));
        try
        {
            foreach (var file in new[] { "zip.pth", "legacy.pth", "checkpoint.pth" })
            {
                var path = Path.Combine(dir, file);
                var read = PthReader.Load(path);
                try
                {
                    Assert.Equal(expected.Keys.Order(StringComparer.Ordinal), read.Keys.Order(StringComparer.Ordinal));
                    foreach (var (k, t) in expected) Assert.True(ModelOracle.BitEqual(read[k], t), $"{file}: {k} differs from PyTorch's tensor");
                }
                finally { foreach (var t in read.Values) t.Dispose(); }

                // Same architecture and class count: everything loads, the logits are torchvision's.
                using var model = ModelZoo.Create(name, classes, 3);
                var report = Pretrained.Load(model, path, strict: true);
                Assert.Equal(model.state_dict().Count, report.Loaded.Count);
                Assert.Empty(report.Adapted); Assert.Empty(report.Reinitialised); Assert.Empty(report.Ignored);
                model.eval();
                using (torch.no_grad())
                using (torch.NewDisposeScope())
                {
                    double err = ModelOracle.RelativeError(model.call(o["input"]), o["eval_logits"]);
                    Assert.True(err < 1e-5, $"{name} from {file}: eval logits relative error {err:E2}");
                }
            }

            // One grey channel: the stem's RGB kernels are summed, as PyTorch did in make_pth.py.
            using (var grey = ModelZoo.Create(name, classes, 1))
            {
                var report = Pretrained.Load(grey, Path.Combine(dir, "zip.pth"), strict: true);
                Assert.Equal([stem], report.Adapted.Select(a => a.Split(' ')[0]));
                Assert.Contains(report.Lines(), l => l.Contains("RGB kernels summed"));
                Assert.True(ModelOracle.BitEqual(grey.state_dict()[stem], o["stem1"]) || ModelOracle.RelativeError(grey.state_dict()[stem], o["stem1"]) < 1e-6);
                grey.eval();
                using (torch.no_grad())
                using (torch.NewDisposeScope())
                {
                    double err = ModelOracle.RelativeError(grey.call(o["input1"]), o["eval_logits1"]);
                    Assert.True(err < 1e-5, $"{name} 3->1 adapted: eval logits relative error {err:E2}");
                }
            }

            // Another class count: the head keeps the fresh init (same seed -> same values), the rest loads.
            torch.manual_seed(99);
            using var fresh = ModelZoo.Create(name, 2, 1);
            torch.manual_seed(99);
            using var tuned = ModelZoo.Create(name, 2, 1);
            var r = Pretrained.Load(tuned, Path.Combine(dir, "legacy.pth"), strict: true);
            var head = Pretrained.Layout(tuned).HeadPrefix;
            Assert.Equal([head + "bias", head + "weight"], r.Reinitialised.Select(k => k.Split(' ')[0]).Order(StringComparer.Ordinal));
            Assert.Equal(tuned.state_dict().Count - 3, r.Loaded.Count);
            foreach (var (k, t) in tuned.state_dict())
                if (k.StartsWith(head)) Assert.True(ModelOracle.BitEqual(t, fresh.state_dict()[k]), $"{k} was not left at its fresh init");
                else if (k != stem) Assert.True(ModelOracle.BitEqual(t, expected[k]), $"{k} was not loaded");
        }
        finally
        {
            foreach (var t in expected.Values.Concat(o.Values)) t.Dispose();
            Directory.Delete(dir, true);
        }
    }

    [Fact]
    public void Strict_refuses_keys_that_do_not_fit_and_lenient_lists_them()
    {
        var dir = ModelOracle.TempDir("pth-strict");
        try
        {
            using var model = ModelZoo.Create("resnet18", 3, 1);
            var sd = model.state_dict();
            var file = sd.Where(kv => kv.Key != "layer1.0.bn1.running_mean").ToDictionary();
            file["extra.weight"] = torch.zeros([2]);
            var path = Path.Combine(dir, "w.safetensors");
            Safetensors.Save(path, file);
            var e = Assert.Throws<InvalidDataException>(() => Pretrained.Load(model, path, strict: true));
            Assert.Contains("'layer1.0.bn1.running_mean' is missing", e.Message);
            Assert.Contains("'extra.weight' is in the file but not in the model", e.Message);
            var r = Pretrained.Load(model, path, strict: false);
            Assert.Equal(["layer1.0.bn1.running_mean"], r.Missing);
            Assert.Equal(["extra.weight"], r.Ignored);
        }
        finally { Directory.Delete(dir, true); }
    }

    [Fact]
    public void Pickles_that_call_anything_else_are_refused_and_nothing_runs()
    {
        var dir = ModelOracle.TempDir("pth-evil");
        var marker = Path.Combine(dir, "PWNED");
        try
        {
            ModelOracle.Run("make_pickles.py", dir, marker);
            foreach (var file in new[] { "evil_zip.pth", "evil_legacy.pth", "evil.pkl" })
            {
                var e = Assert.Throws<UnsafePickleException>(() => PthReader.Load(Path.Combine(dir, file)));
                Assert.Contains("posix.system", e.Message);
                Assert.Contains("nothing in it was executed", e.Message);
                Assert.False(File.Exists(marker), $"{file}: the payload ran");
            }
            using var model = ModelZoo.Create("resnet18", 2, 1);
            Assert.Throws<UnsafePickleException>(() => Pretrained.Load(model, Path.Combine(dir, "evil_zip.pth"), strict: false));
            Assert.False(File.Exists(marker));
        }
        finally { Directory.Delete(dir, true); }
    }

    [Fact]
    public void Small_state_dict_keeps_every_dtype_view_and_shared_storage()
    {
        var dir = ModelOracle.TempDir("pth-small");
        try
        {
            ModelOracle.Run("make_pickles.py", dir, Path.Combine(dir, "unused"));
            var (expected, _) = Safetensors.Load(Path.Combine(dir, "small.safetensors"));
            foreach (var file in new[] { "small_zip.pth", "small_legacy.pth" })
            {
                var (read, format) = WeightsFile.Load(Path.Combine(dir, file));
                Assert.Equal("pth", format);
                Assert.Equal(["conv.weight", "transposed", "row", "f64", "f16", "bf16", "i64", "i32", "u8", "flag"], read.Keys); // file order
                foreach (var (k, t) in expected) Assert.True(ModelOracle.BitEqual(read[k], t), $"{file}: {k} differs");
                foreach (var t in read.Values) t.Dispose();
            }
            foreach (var t in expected.Values) t.Dispose();
        }
        finally { Directory.Delete(dir, true); }
    }

    /// <summary>
    /// Property: any mutation of a valid file (flipped bytes, truncation, inserted or deleted runs) either
    /// loads or fails with the documented exceptions; never another exception, never a hang (every opcode
    /// consumes input, every length is checked against the bytes left).
    /// </summary>
    [Fact]
    public void Mutated_files_fail_only_with_the_documented_exceptions()
    {
        var dir = ModelOracle.TempDir("pth-fuzz");
        try
        {
            ModelOracle.Run("make_pickles.py", dir, Path.Combine(dir, "unused"));
            var rng = new Random(15);
            int loaded = 0, refused = 0;
            foreach (var file in new[] { "small_zip.pth", "small_legacy.pth", "evil_legacy.pth" })
            {
                var original = File.ReadAllBytes(Path.Combine(dir, file));
                for (int i = 0; i < 600; i++)
                {
                    var bytes = Mutate(original, rng);
                    var path = Path.Combine(dir, "mutant.pth");
                    File.WriteAllBytes(path, bytes);
                    try
                    {
                        var read = PthReader.Load(path);
                        foreach (var t in read.Values) t.Dispose();
                        loaded++;
                    }
                    catch (Exception e) when (e is InvalidDataException or UnsafePickleException) { refused++; }
                    catch (Exception e) { Assert.Fail($"{file} mutation {i}: {e.GetType().Name}: {e.Message}"); }
                }
            }
            Assert.True(refused > 500, $"only {refused} mutants refused ({loaded} loaded): the mutations are too gentle to test anything");
        }
        finally { Directory.Delete(dir, true); }
    }

    static byte[] Mutate(byte[] src, Random rng)
    {
        var b = new List<byte>(src);
        int edits = 1 + rng.Next(4);
        for (int e = 0; e < edits && b.Count > 1; e++)
        {
            int at = rng.Next(b.Count);
            switch (rng.Next(5))
            {
                case 0: b[at] = (byte)rng.Next(256); break;
                case 1: b[at] ^= (byte)(1 << rng.Next(8)); break;
                case 2: b.RemoveRange(at, b.Count - at); break;
                case 3: b.InsertRange(at, Enumerable.Range(0, 1 + rng.Next(8)).Select(_ => (byte)rng.Next(256))); break;
                default: b.RemoveRange(at, Math.Min(b.Count - at, 1 + rng.Next(8))); break;
            }
        }
        return b.ToArray();
    }
}
