using XRayHpc.Cache;
using Xunit;

namespace XRayHpc.Data.Tests;

[Collection("synth")]
public class PreprocessPipelineTests(SynthDatasetsFixture fx)
{
    /// <summary>
    /// synth -> preprocess -> read back: every usable raw row is in the cache exactly once, with its
    /// labels, and with the pixels independent tools give for the raw file: Pillow decodes PNG/JPEG and
    /// resizes every image (antialiased bilinear); DICOM is rendered by our decoder (whose display pipeline
    /// DecoderDicomTests checks against dcm2pnm) before Pillow's resize (ReferencePixels).
    /// </summary>
    [Theory]
    [InlineData("chestxray2017", UncertaintyPolicy.UZeros)]
    [InlineData("nih", UncertaintyPolicy.UZeros)]
    [InlineData("rsna", UncertaintyPolicy.UZeros)]
    [InlineData("chexpert", UncertaintyPolicy.UZeros)]
    [InlineData("chexpert", UncertaintyPolicy.UOnes)]
    [InlineData("chexpert", UncertaintyPolicy.Ignore)]
    public void Read_back_matches_raw_rows_labels_and_pixels(string layout, UncertaintyPolicy policy)
    {
        var o = fx.Options(layout, fx.Roots[layout], fx.NewDir($"cache-{layout}")) with { Uncertainty = policy };
        var result = Preprocessor.Run(o);
        var cached = CacheReadback.ReadAll(o.OutputDir);

        var hasher = PatientHasher.FromSaltFile(fx.SaltFile);
        var raw = DatasetAdapters.Open(layout, o.InputDir, new AdapterOptions { UncertaintyPolicy = policy, FrontalOnly = false })
            .Enumerate().Where(i => i.Error is null).ToList();
        Assert.True(raw.Count >= 30, $"synth gave only {raw.Count} usable rows");
        Assert.Equal(raw.Count, cached.Count);
        Assert.Equal(raw.Count, result.Manifest.Splits.Values.Sum(s => s.Rows));

        var byKey = raw.GroupBy(i => (hasher.Hash(i.PatientId), i.SourceRow)).ToDictionary(g => g.Key, g => g.ToList());
        var reference = ReferencePixels(raw, o.ImageSize);
        var used = new HashSet<RawItem>();
        foreach (var row in cached)
        {
            Assert.Equal((o.ImageSize, o.ImageSize), (row.Height, row.Width));
            Assert.True(byKey.TryGetValue((row.PatientHash, row.SourceRow), out var candidates), $"cached row {row.SourceRow} has no raw row");
            // The closest unused raw image of that patient and row, which must be within the tools' rounding:
            // one level for PNG and DICOM (resize rounding), more for JPEG, which our decoder decodes at a
            // reduced scale in the DCT domain where Pillow decodes at full size and then resizes (measured on
            // the synthetic sets: mean 1.0-1.4 levels, single pixels up to 31 at sharp edges).
            var (match, mean, worst) = candidates.Where(c => !used.Contains(c))
                .Select(c => (Item: c, Diff: Difference(reference[c], row.Image))).OrderBy(x => x.Diff.Mean)
                .Select(x => (x.Item, x.Diff.Mean, x.Diff.Worst)).FirstOrDefault();
            bool jpeg = match is not null && (match.ImagePath.EndsWith(".jpg", StringComparison.OrdinalIgnoreCase) || match.ImagePath.EndsWith(".jpeg", StringComparison.OrdinalIgnoreCase));
            Assert.True(match is not null && (jpeg ? mean <= 2.0 && worst <= 48 : mean <= 0.5 && worst <= 1),
                $"{row.Split}/{row.Shard} row {row.SourceRow}: pixels differ from the reference decode+resize of the raw image (mean |diff| {mean:F2}, max {worst})");
            used.Add(match!);
            Assert.Equal(match!.Labels, row.Labels);
            Assert.Equal(match.LabelMask, row.Mask);
        }

        // Patient-level split: no patient hash in two splits.
        var splitsPerPatient = cached.GroupBy(r => r.PatientHash).Select(g => g.Select(r => r.Split).Distinct().Count());
        Assert.All(splitsPerPatient, n => Assert.Equal(1, n));
        Assert.All(new[] { "train", "val", "test" }, s => Assert.Contains(cached, r => r.Split == s));

        // Manifest agrees with the data it describes.
        var m = CacheManifest.Load(o.OutputDir);
        foreach (var s in new[] { "train", "val", "test" })
        {
            var rows = cached.Where(r => r.Split == s).ToList();
            Assert.Equal(rows.Count, m.Splits[s].Rows);
            Assert.Equal(rows.Select(r => r.PatientHash).Distinct().Count(), m.Splits[s].Patients);
            for (int c = 0; c < m.ClassNames.Count; c++)
                Assert.Equal(rows.Count(r => r.Mask[c] > 0 && r.Labels[c] >= 0.5f), m.Splits[s].Positives[c]);
        }
        var train = cached.Where(r => r.Split == "train").SelectMany(r => r.Image).Select(v => v / 255.0).ToArray();
        Assert.Equal(train.Average(), m.PixelMean, 9);
        Assert.True(m.PixelStd > 0.01);
    }

    static (double Mean, int Worst) Difference(byte[] a, byte[] b)
    {
        if (a.Length != b.Length) return (double.MaxValue, int.MaxValue);
        long sum = 0; int worst = 0;
        for (int i = 0; i < a.Length; i++) { int d = Math.Abs(a[i] - b[i]); sum += d; worst = Math.Max(worst, d); }
        return ((double)sum / a.Length, worst);
    }

    /// <summary>
    /// size x size 8-bit pixels of every raw image, resized by Pillow (antialiased bilinear, which ImageResize
    /// follows), one python process; PNG/JPEG decoded by Pillow too. DICOM is first rendered to an 8-bit PGM
    /// by our decoder: dcm2pnm (+Wi 1 / +Wm) disagreed with it on the synthetic RSNA files by 25 levels on
    /// average, which is not resolved yet (see the note in the issue 18 report), so DICOM decoding is not
    /// independently checked here.
    /// </summary>
    static Dictionary<RawItem, byte[]> ReferencePixels(List<RawItem> items, int size)
    {
        var dir = Directory.CreateTempSubdirectory("xrh-ref-pixels-");
        try
        {
            var jobs = new List<(RawItem Item, string Input, string Output)>();
            foreach (var (item, i) in items.Select((it, i) => (it, i)))
            {
                var input = item.ImagePath;
                if (input.EndsWith(".dcm", StringComparison.OrdinalIgnoreCase))
                {
                    var pgm = Path.Combine(dir.FullName, $"{i}.pgm");
                    var img = ImageDecoder.Decode(input);
                    File.WriteAllBytes(pgm, [.. System.Text.Encoding.ASCII.GetBytes($"P5\n{img.Width} {img.Height}\n255\n"), .. img.Pixels]);
                    input = pgm;
                }
                jobs.Add((item, input, Path.Combine(dir.FullName, $"{i}.raw")));
            }
            var list = Path.Combine(dir.FullName, "list.tsv");
            File.WriteAllLines(list, jobs.Select(j => $"{j.Input}\t{j.Output}"));
            var script = "import sys\nfrom PIL import Image\n" +
                         "for line in open(sys.argv[1]):\n" +
                         "    src, dst = line.rstrip('\\n').split('\\t')\n" +
                         "    im = Image.open(src).convert('L')\n" +
                         $"    open(dst, 'wb').write(im.resize(({size}, {size}), Image.BILINEAR).tobytes())\n";
            var psi = new System.Diagnostics.ProcessStartInfo("/usr/bin/python3") { RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false };
            psi.ArgumentList.Add("-c"); psi.ArgumentList.Add(script); psi.ArgumentList.Add(list);
            using var p = System.Diagnostics.Process.Start(psi)!;
            var err = p.StandardError.ReadToEndAsync();
            _ = p.StandardOutput.ReadToEndAsync();
            if (!p.WaitForExit(300_000)) { p.Kill(true); Assert.Fail("Pillow reference did not finish in 300 s"); }
            Assert.True(p.ExitCode == 0, "Pillow reference failed: " + err.Result);
            return jobs.ToDictionary(j => j.Item, j => File.ReadAllBytes(j.Output));
        }
        finally { dir.Delete(true); }
    }

    [Fact]
    public void CheXpert_policies_differ_exactly_on_uncertain_labels()
    {
        var caches = new Dictionary<UncertaintyPolicy, List<CachedRow>>();
        foreach (var p in new[] { UncertaintyPolicy.UZeros, UncertaintyPolicy.UOnes, UncertaintyPolicy.Ignore })
        {
            var o = fx.Options("chexpert", fx.Roots["chexpert"], fx.NewDir("cache-policy")) with { Uncertainty = p };
            Preprocessor.Run(o);
            caches[p] = CacheReadback.ReadAll(o.OutputDir).OrderBy(r => r.Split).ThenBy(r => r.Shard).ThenBy(r => r.SourceRow).ThenBy(r => r.PatientHash).ToList();
        }
        var (z, one, ign) = (caches[UncertaintyPolicy.UZeros], caches[UncertaintyPolicy.UOnes], caches[UncertaintyPolicy.Ignore]);
        Assert.Equal(z.Count, ign.Count);
        int uncertain = 0;
        for (int i = 0; i < z.Count; i++)
        {
            Assert.Equal(z[i].Image, one[i].Image);
            for (int c = 0; c < z[i].Labels.Length; c++)
            {
                Assert.Equal(1f, z[i].Mask[c]);
                Assert.Equal(1f, one[i].Mask[c]);
                if (ign[i].Mask[c] == 0)
                {
                    uncertain++;
                    Assert.Equal(0f, z[i].Labels[c]);
                    Assert.Equal(1f, one[i].Labels[c]);
                }
                else
                {
                    Assert.Equal(z[i].Labels[c], one[i].Labels[c]);
                    Assert.Equal(z[i].Labels[c], ign[i].Labels[c]);
                }
            }
        }
        Assert.True(uncertain > 0, "synth CheXpert has no uncertain labels to test the policies on");
    }

    [Fact]
    public void No_PHI_in_any_cache_file_manifest_log_or_rejects()
    {
        var phi = new List<string>();
        var outputs = new List<string>();
        foreach (var layout in new[] { "chestxray2017", "nih", "chexpert", "rsna" })
        {
            var input = fx.CopyOf(layout, $"phi-{layout}");
            // One bad input per layout so rejects.csv and the log carry a path-derived line too.
            var victim = Directory.EnumerateFiles(input, "*", SearchOption.AllDirectories)
                .Where(f => f.EndsWith(".jpeg") || f.EndsWith(".jpg") || f.EndsWith(".png") || f.EndsWith(".dcm")).Order(StringComparer.Ordinal).First();
            File.WriteAllBytes(victim, File.ReadAllBytes(victim)[..200]);
            // zstd (the default) and an uncompressed cache, whose raw bytes show every stored value as written.
            foreach (var codec in new[] { "zstd", "none" })
            {
                var o = fx.Options(layout, input, fx.NewDir($"phi-cache-{layout}-{codec}")) with { SkipBad = true };
                var (code, stderr) = CacheReadback.RunCli(CacheReadback.CliArgs(o, "--skip-bad", "--codec", codec));
                Assert.True(code == 0, stderr);
                var stderrFile = Path.Combine(o.OutputDir, "logs", "stderr.txt");
                File.WriteAllText(stderrFile, stderr); // the console output is a log too
                Assert.True(new FileInfo(Path.Combine(o.OutputDir, RejectsFile.FileName)).Length > 30);
                outputs.Add(o.OutputDir);
            }

            foreach (var item in DatasetAdapters.Open(layout, input, new AdapterOptions { FrontalOnly = false }).Enumerate())
                phi.Add(item.PatientId);
            foreach (var dcm in Directory.EnumerateFiles(input, "*.dcm", SearchOption.AllDirectories))
                phi.AddRange(CacheReadback.DicomPhi(dcm));
        }
        Assert.Contains(phi, p => p.Contains('^') || p.Length == 8 && p.All(char.IsAsciiDigit)); // the DICOM PHI was found
        Assert.Contains(phi, p => p.StartsWith("person"));
        Assert.Contains(phi, p => p.StartsWith("patient"));
        foreach (var dir in outputs)
        {
            var hits = CacheReadback.FilesContaining(dir, phi).Concat(CacheReadback.DecodedValuesContaining(dir, phi)).ToList();
            Assert.True(hits.Count == 0, string.Join("\n", hits.Take(20)));
        }
    }

    [Fact]
    public void Rerun_keeps_verified_shards_and_redoes_a_damaged_one()
    {
        var o = fx.Options("nih", fx.Roots["nih"], fx.NewDir("cache-rerun"));
        var first = Preprocessor.Run(o);
        var before = Directory.EnumerateFiles(o.OutputDir, "*.parquet", SearchOption.AllDirectories).ToDictionary(f => f, File.ReadAllBytes);
        Assert.True(before.Count >= 3);
        var again = Preprocessor.Run(o);
        Assert.Equal(0, again.ShardsWritten);
        Assert.Equal(before.Count, again.ShardsKept);

        var victim = before.Keys.Order(StringComparer.Ordinal).First();
        var bytes = File.ReadAllBytes(victim); bytes[bytes.Length / 2] ^= 0xFF; File.WriteAllBytes(victim, bytes);
        var third = Preprocessor.Run(o);
        Assert.Equal(1, third.ShardsWritten);
        foreach (var (f, b) in before) Assert.Equal(b, File.ReadAllBytes(f));
        Assert.Equal(File.ReadAllText(Path.Combine(o.OutputDir, "manifest.yaml")), ManifestYaml.Serialize(first.Manifest));
    }

    [Fact]
    public void Split_depends_on_the_seed_not_on_the_secret_salt()
    {
        var a = fx.Options("nih", fx.Roots["nih"], fx.NewDir("salt-a"));
        var otherSalt = Path.Combine(fx.NewDir("salt-b-key"), "salt");
        Directory.CreateDirectory(Path.GetDirectoryName(otherSalt)!);
        File.WriteAllText(otherSalt, "ffeeddccbbaa99887766554433221100ffeeddccbbaa99887766554433221100\n");
        var b = a with { OutputDir = fx.NewDir("salt-b"), SaltFile = otherSalt };
        var c = a with { OutputDir = fx.NewDir("seed-c"), Seed = a.Seed + 1 };
        Preprocessor.Run(a);
        Preprocessor.Run(b);
        Preprocessor.Run(c);
        static Dictionary<string, long[]> Splits(string dir) => CacheReadback.ReadAll(dir).GroupBy(r => r.Split)
            .ToDictionary(g => g.Key, g => g.Select(r => r.SourceRow).Order().ToArray());
        var (ra, rb, rc) = (CacheReadback.ReadAll(a.OutputDir), CacheReadback.ReadAll(b.OutputDir), Splits(c.OutputDir));
        Assert.Equal(Splits(a.OutputDir), Splits(b.OutputDir));
        // The stored hashes do follow the salt, and a different seed does give a different split.
        Assert.Empty(ra.Select(r => r.PatientHash).Intersect(rb.Select(r => r.PatientHash)));
        Assert.NotEqual(Splits(a.OutputDir)["val"], rc["val"]);
    }

    [Fact]
    public void Output_bytes_do_not_depend_on_the_thread_count()
    {
        var one = fx.Options("chexpert", fx.Roots["chexpert"], fx.NewDir("threads-1")) with { Threads = 1 };
        var four = one with { OutputDir = fx.NewDir("threads-4"), Threads = 4 };
        Preprocessor.Run(one);
        Preprocessor.Run(four);
        var files = Directory.EnumerateFiles(one.OutputDir, "*", SearchOption.AllDirectories)
            .Select(f => Path.GetRelativePath(one.OutputDir, f)).Where(f => !f.StartsWith("logs")).ToList();
        Assert.Contains(files, f => f.EndsWith(".parquet"));
        foreach (var f in files)
            Assert.True(File.ReadAllBytes(Path.Combine(one.OutputDir, f)).AsSpan().SequenceEqual(File.ReadAllBytes(Path.Combine(four.OutputDir, f))), $"{f} differs");
    }

    [Fact]
    public void Every_shard_carries_the_parameters_in_its_key_value_metadata()
    {
        var o = fx.Options("rsna", fx.Roots["rsna"], fx.NewDir("cache-kv"));
        var m = Preprocessor.Run(o).Manifest;
        foreach (var (name, split) in m.Splits)
            foreach (var shard in split.Shards)
            {
                using var r = XRayHpc.Parquet.ParquetFileReader.Open(Path.Combine(o.OutputDir, shard.Path));
                var meta = ManifestYaml.Deserializer.Deserialize<ShardMetadata>(r.KeyValueMetadata[CacheManifest.MetadataKey]);
                Assert.Equal(m.Dataset, meta.Dataset);
                Assert.Equal(m.ClassNames, meta.ClassNames);
                Assert.Equal(m.ImageSize, meta.ImageSize);
                Assert.Equal(name, meta.SplitName);
                Assert.Equal(shard.RowGroupRows, r.RowGroups.Select(g => g.RowCount).ToList());
                Assert.Equal(shard.Sha256, ShardRecord.FileSha256(Path.Combine(o.OutputDir, shard.Path)));
            }
    }
}
