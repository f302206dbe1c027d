using System.Diagnostics;
using XRayHpc.Cache;
using XRayHpc.Data;
using Xunit;
using XRayHpc.Determinism;

namespace XRayHpc.Data.Tests;

public class PreprocessResizeTests
{
    static byte[] TestImage(int w, int h, int seed)
    {
        // Smooth gradients plus hard edges and noise: exercises both the averaging and the edge handling.
        var rng = new DeterministicRandom((ulong)seed);
        var px = new byte[w * h];
        for (int y = 0; y < h; y++)
            for (int x = 0; x < w; x++)
            {
                double v = 100 + 80 * Math.Sin(x * 0.05) * Math.Cos(y * 0.03) + ((x / 37 + y / 23) % 2 == 0 ? 40 : -40) + rng.NextInt(21) - 10;
                px[y * w + x] = (byte)Math.Clamp(v, 0, 255);
            }
        return px;
    }

    [Theory]
    [InlineData(1024, 1024, 224, 224)]
    [InlineData(300, 257, 224, 224)]
    [InlineData(640, 480, 128, 128)]
    [InlineData(250, 250, 224, 224)]
    public void Matches_PIL_bilinear_antialiased_resize_within_one_level(int w, int h, int dw, int dh)
    {
        var src = TestImage(w, h, w * 7 + h);
        var ours = ImageResize.Resize(src, w, h, dw, dh);
        var pil = PilResize(src, w, h, dw, dh);
        int worst = 0, off = 0;
        for (int i = 0; i < ours.Length; i++)
        {
            int d = Math.Abs(ours[i] - pil[i]);
            worst = Math.Max(worst, d);
            if (d > 0) off++;
        }
        Assert.True(worst <= 1, $"max |ours − PIL| = {worst}");
        Assert.True(off < ours.Length / 20, $"{off} of {ours.Length} pixels differ from PIL");
    }

    [Fact]
    public void Flat_image_stays_exactly_flat_and_same_size_is_a_copy()
    {
        var flat = Enumerable.Repeat((byte)173, 999 * 601).ToArray();
        Assert.All(ImageResize.Resize(flat, 999, 601, 224, 224), v => Assert.Equal(173, v));
        var src = TestImage(64, 64, 1);
        Assert.Equal(src, ImageResize.Resize(src, 64, 64, 64, 64));
    }

    [Fact]
    public void Downscale_averages_instead_of_aliasing()
    {
        // A one-pixel checkerboard must become mid-gray; point sampling would give pure black or white.
        var src = new byte[512 * 512];
        for (int y = 0; y < 512; y++) for (int x = 0; x < 512; x++) src[y * 512 + x] = (byte)(((x + y) & 1) * 255);
        var dst = ImageResize.Resize(src, 512, 512, 100, 100);
        Assert.All(dst, v => Assert.InRange(v, 120, 135));
    }

    static byte[] PilResize(byte[] src, int w, int h, int dw, int dh)
    {
        var dir = Directory.CreateTempSubdirectory("xrh-pil-");
        try
        {
            var inPath = Path.Combine(dir.FullName, "in.raw");
            var outPath = Path.Combine(dir.FullName, "out.raw");
            File.WriteAllBytes(inPath, src);
            var script = $"from PIL import Image\nim = Image.frombytes('L', ({w}, {h}), open(r'{inPath}','rb').read())\n" +
                         $"open(r'{outPath}','wb').write(im.resize(({dw}, {dh}), Image.BILINEAR).tobytes())\n";
            var psi = new ProcessStartInfo(ExternalTool.Resolve("python3")) { RedirectStandardInput = true, RedirectStandardError = true };
            using var p = Process.Start(psi)!;
            p.StandardInput.Write(script);
            p.StandardInput.Close();
            var err = p.StandardError.ReadToEndAsync();
            if (!p.WaitForExit(120_000)) { p.Kill(true); Assert.Fail("PIL oracle did not finish in 120 s"); }
            Assert.True(p.ExitCode == 0, "PIL oracle failed: " + err.Result);
            return File.ReadAllBytes(outPath);
        }
        finally { dir.Delete(true); }
    }
}

public class PreprocessSplitTests
{
    static List<(string, string?)> Rows(int patients, int perPatient, Func<int, string?> orig)
    {
        var rows = new List<(string, string?)>();
        for (int p = 0; p < patients; p++)
            for (int k = 0; k < perPatient; k++) rows.Add(($"p{p:D4}", orig(p)));
        return rows;
    }

    [Fact]
    public void No_patient_in_two_splits_and_exact_patient_fractions()
    {
        var rows = Rows(200, 3, _ => null);
        var s = SplitPlanner.Assign(rows, 0.1, 0.2, seed: 7);
        var byPatient = rows.Select((r, i) => (r.Item1, s[i])).GroupBy(x => x.Item1).ToList();
        Assert.All(byPatient, g => Assert.Single(g.Select(x => x.Item2).Distinct()));
        var counts = byPatient.GroupBy(g => g.First().Item2).ToDictionary(g => g.Key, g => g.Count());
        Assert.Equal(20, counts[Split.Val]);
        Assert.Equal(40, counts[Split.Test]);
        Assert.Equal(140, counts[Split.Train]);
    }

    [Fact]
    public void Dataset_test_set_is_honoured_and_val_carved_from_train_only()
    {
        // Patients 0..49 are the dataset's test set; patient 60 appears in both (must go wholly to test).
        var rows = Rows(100, 2, p => p < 50 ? "test" : "train");
        rows.Add(("p0060", "test"));
        var s = SplitPlanner.Assign(rows, 0.1, 0.3, seed: 1);
        for (int i = 0; i < rows.Count; i++)
        {
            int p = int.Parse(rows[i].Item1[1..]);
            if (p < 50 || p == 60) Assert.Equal(Split.Test, s[i]);
            else Assert.NotEqual(Split.Test, s[i]); // no extra test carved when the dataset has one
        }
        Assert.Equal(10 * 2, s.Count(x => x == Split.Val)); // 10% of 100 patients, 2 rows each
    }

    [Fact]
    public void Dataset_val_stays_val_beside_a_test_set_and_becomes_test_without_one()
    {
        // Kermany-like: train/val/test folders. Patient 5 has a train and a val image -> val as a whole.
        var kermany = Rows(100, 1, p => p < 20 ? "test" : p < 24 ? "val" : "train");
        kermany.Add(("p0005", "val"));
        kermany.Add(("p0030", "val"));
        var k = SplitPlanner.Assign(kermany, 0.1, 0.2, seed: 2);
        for (int i = 0; i < kermany.Count; i++)
        {
            int p = int.Parse(kermany[i].Item1[1..]);
            if (p < 5 || p > 5 && p < 20) Assert.Equal(Split.Test, k[i]);       // the dataset's own test set
            else if (p == 5) Assert.Equal(Split.Test, k[i]);                     // test beats val
            else if (p < 24 || p == 30) Assert.Equal(Split.Val, k[i]);           // the dataset's own val set
        }
        var valPatients = kermany.Select((r, i) => (r.Item1, k[i])).Where(x => x.Item2 == Split.Val).Select(x => x.Item1).Distinct().Count();
        Assert.Equal(10, valPatients); // 5 from the dataset, topped up to 10% of 100
        Assert.Equal(20, kermany.Select((r, i) => (r.Item1, k[i])).Where(x => x.Item2 == Split.Test).Select(x => x.Item1).Distinct().Count());

        // CheXpert-like: train + valid only -> valid is the test set; val is carved from train.
        var chexpert = Rows(100, 1, p => p < 7 ? "val" : "train");
        var c = SplitPlanner.Assign(chexpert, 0.1, 0.2, seed: 2);
        Assert.All(Enumerable.Range(0, 7), i => Assert.Equal(Split.Test, c[i]));
        Assert.Equal(7, c.Count(x => x == Split.Test));
        Assert.Equal(10, c.Count(x => x == Split.Val));
    }

    [Fact]
    public void Split_is_deterministic_order_independent_and_seed_dependent()
    {
        var rows = Rows(300, 1, _ => null);
        var a = SplitPlanner.Assign(rows, 0.2, 0.2, 5);
        var reversed = rows.AsEnumerable().Reverse().ToList();
        var b = SplitPlanner.Assign(reversed, 0.2, 0.2, 5).Reverse().ToArray();
        Assert.Equal(a, b);
        var c = SplitPlanner.Assign(rows, 0.2, 0.2, 6);
        Assert.NotEqual(a, c);
    }
}

public class PreprocessPlanningTests
{
    [Theory]
    [InlineData(1000, 4, 64)]
    [InlineData(1001, 3, 100)]
    [InlineData(7, 4, 256)]
    [InlineData(5000, 1, 256)]
    [InlineData(513, 2, 256)]
    public void Row_groups_are_a_multiple_of_target_ranks_balanced_and_bounded(int n, int ranks, int maxRows)
    {
        var shards = ShardPlanner.Plan(Split.Train, n, ranks, maxRows, 8);
        var groups = shards.SelectMany(s => s.RowGroups).ToList();
        Assert.Equal(n, groups.Sum(g => g.ItemCount));
        Assert.True(groups.Count % ranks == 0 || groups.Count == n, $"{groups.Count} groups for {ranks} ranks");
        Assert.True(groups.Max(g => g.ItemCount) - groups.Min(g => g.ItemCount) <= 1);
        Assert.True(groups.Max(g => g.ItemCount) <= maxRows);
        int at = 0; // contiguous, in order
        foreach (var g in groups) { Assert.Equal(at, g.FirstItem); at += g.ItemCount; }
        Assert.Equal(Enumerable.Range(0, shards.Count), shards.Select(s => s.Index));
    }

    [Fact]
    public void Pixel_stats_are_exact()
    {
        var rng = new DeterministicRandom(3);
        var a = Enumerable.Range(0, 5000).Select(_ => (byte)rng.NextInt(256)).ToArray();
        var b = Enumerable.Range(0, 3000).Select(_ => (byte)rng.NextInt(40)).ToArray();
        var s = PixelStats.Of(a); s.Add(PixelStats.Of(b));
        var all = a.Concat(b).Select(v => v / 255.0).ToArray();
        double mean = all.Average(), std = Math.Sqrt(all.Select(v => (v - mean) * (v - mean)).Average());
        Assert.Equal(mean, s.Mean, 12);
        Assert.Equal(std, s.Std, 12);
    }

    [Fact]
    public void Patient_hash_is_the_first_16_hex_digits_of_HMAC_SHA256_of_the_raw_id()
    {
        // RFC 4231 test case 2 (key "Jefe") is too short for a salt; test case 1 is not:
        // HMAC-SHA256(key = 0x0b x 20, "Hi There") = b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7.
        var h = new PatientHasher(Enumerable.Repeat((byte)0x0b, 20).ToArray());
        Assert.Equal("b0344c61d8db3853", h.Hash("Hi There"));
        // RFC 4231 test case 6: a 131-byte key of 0xaa.
        var h6 = new PatientHasher(Enumerable.Repeat((byte)0xaa, 131).ToArray());
        Assert.Equal("60e431591ee0b67f", h6.Hash("Test Using Larger Than Block-Size Key - Hash Key First"));
    }

    [Fact]
    public void Patient_hash_depends_on_the_secret_salt_and_redaction_removes_raw_ids()
    {
        var h1 = new PatientHasher(Enumerable.Repeat((byte)1, 32).ToArray());
        var h2 = new PatientHasher(Enumerable.Repeat((byte)2, 32).ToArray());
        Assert.Equal(h1.Hash("patient00042"), h1.Hash("patient00042"));
        Assert.NotEqual(h1.Hash("patient00042"), h2.Hash("patient00042"));
        Assert.Equal(16, h1.Hash("x").Length);
        Assert.NotEqual(h1.SaltId, h2.SaltId);
        var red = PhiRedactor.Redact("train/patient00042/study1/view1_frontal.jpg: corrupt", "patient00042", h1.Hash("patient00042"));
        Assert.DoesNotContain("patient00042", red);
        Assert.Contains(h1.Hash("patient00042"), red);
    }

    [Fact]
    [System.Runtime.Versioning.SupportedOSPlatform("linux")] // file modes: the salt file must be 0600
    public void Salt_file_is_created_once_private_and_reused()
    {
        var dir = Directory.CreateTempSubdirectory("xrh-salt-");
        try
        {
            var path = Path.Combine(dir.FullName, "sub", "salt");
            var a = PatientHasher.FromSaltFile(path);
            var b = PatientHasher.FromSaltFile(path);
            Assert.Equal(a.Hash("id1"), b.Hash("id1"));
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(path));
        }
        finally { dir.Delete(true); }
    }
}
