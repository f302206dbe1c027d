using XRayHpc.Cache;
using Xunit;

namespace XRayHpc.Data.Tests;

/// <summary>
/// Damaged raw datasets: a corrupt JPEG (Kermany), corrupt PNG and a CSV row whose image is missing
/// (NIH), a corrupt DICOM (RSNA), an unknown label value (CheXpert). Without --skip-bad the first one
/// stops preprocess naming file and row; with it, rejects.csv lists exactly the damaged rows and every
/// other row is in the cache.
/// </summary>
[Collection("synth")]
public class PreprocessBadInputTests(SynthDatasetsFixture fx)
{
    sealed record Damage(string Layout, string Input, List<(string File, long Row)> Expected);

    Damage Prepare(string layout)
    {
        var input = fx.CopyOf(layout, $"bad-{layout}-{Guid.NewGuid():N}");
        var items = DatasetAdapters.Open(layout, input, new AdapterOptions { FrontalOnly = false }).Enumerate().ToList();
        var expected = new List<(string, long)>();
        void Expect(RawItem it) => expected.Add((ExpectedRejectName(it.SourceFile, input, it.PatientId), it.SourceRow));
        void Truncate(RawItem it) { File.WriteAllBytes(it.ImagePath, File.ReadAllBytes(it.ImagePath)[..300]); Expect(it); }
        void TruncateHalf(RawItem it) { var b = File.ReadAllBytes(it.ImagePath); File.WriteAllBytes(it.ImagePath, b[..(b.Length / 2)]); Expect(it); }

        switch (layout)
        {
            case "chestxray2017": Truncate(items[3]); Truncate(items[^2]); break;
            case "rsna": Truncate(items[5]); TruncateHalf(items[9]); break;
            case "nih":
                Truncate(items[4]);
                File.Delete(items[7].ImagePath); Expect(items[7]);
                break;
            case "chexpert":
            {
                var csv = items[2].SourceFile;
                var lines = File.ReadAllLines(csv);
                var header = lines[0].Split(',');
                int col = Array.IndexOf(header, "Cardiomegaly");
                Assert.True(col > 0);
                int line = (int)items[2].SourceRow; // 1-based, header is line 1
                var fields = lines[line - 1].Split(',');
                fields[col] = "2";
                lines[line - 1] = string.Join(',', fields);
                File.WriteAllLines(csv, lines);
                Expect(items[2]);
                Truncate(items[6]);
                break;
            }
        }
        return new Damage(layout, input, expected);
    }

    /// <summary>
    /// What rejects.csv must name, written out here from the documented rules rather than through the
    /// redactor under test: the path relative to the dataset root, '/'-separated, with every occurrence of
    /// a raw patient id (3+ characters) replaced by [p:HASH], HASH = first 16 lower-case hex digits of
    /// HMAC-SHA256(salt, id) with the salt file's hex text as the key.
    /// </summary>
    string ExpectedRejectName(string sourceFile, string root, string? patientId)
    {
        var rootFull = Path.GetFullPath(root).TrimEnd('/') + "/";
        var full = Path.GetFullPath(sourceFile, root);
        Assert.StartsWith(rootFull, full);
        var rel = full[rootFull.Length..];
        if (patientId is not { Length: >= 3 }) return rel;
        var salt = Convert.FromHexString(File.ReadAllText(fx.SaltFile).Trim());
        var mac = System.Security.Cryptography.HMACSHA256.HashData(salt, System.Text.Encoding.UTF8.GetBytes(patientId));
        var hash = string.Concat(mac.Take(8).Select(b => b.ToString("x2")));
        return rel.Replace(patientId, $"[p:{hash}]");
    }

    [Theory]
    [InlineData("chestxray2017")]
    [InlineData("nih")]
    [InlineData("rsna")]
    [InlineData("chexpert")]
    public void First_bad_input_stops_with_file_and_row_then_skip_bad_rejects_exactly_those(string layout)
    {
        var d = Prepare(layout);
        var stop = fx.Options(layout, d.Input, fx.NewDir("bad-stop"));
        var e = Assert.Throws<BadInputException>(() => Preprocessor.Run(stop));
        Assert.Contains(d.Expected, x => x.File == e.Reject.SourceFile && x.Row == e.Reject.SourceRow);
        Assert.Contains($"{e.Reject.SourceFile}:{e.Reject.SourceRow}:", e.Message);
        Assert.False(File.Exists(Path.Combine(stop.OutputDir, CacheManifest.FileName)));

        var skip = fx.Options(layout, d.Input, fx.NewDir("bad-skip")) with { SkipBad = true };
        var result = Preprocessor.Run(skip);
        var rejects = RejectsFile.Read(skip.OutputDir);
        Assert.Equal(d.Expected.OrderBy(x => x.File).ThenBy(x => x.Row), rejects.Select(r => (r.SourceFile, r.SourceRow)).OrderBy(x => x.SourceFile).ThenBy(x => x.SourceRow));
        Assert.All(rejects, r => Assert.False(string.IsNullOrWhiteSpace(r.Reason)));
        Assert.Equal(d.Expected.Count, result.Rejected);

        // Every good row is kept: same rows as preprocessing the undamaged dataset, minus the damaged ones.
        var clean = fx.Options(layout, fx.Roots[layout], fx.NewDir("bad-clean"));
        Preprocessor.Run(clean);
        var good = CacheReadback.ReadAll(clean.OutputDir).Select(r => (r.PatientHash, r.SourceRow, Convert.ToHexString(r.Image))).ToHashSet();
        var kept = CacheReadback.ReadAll(skip.OutputDir).Select(r => (r.PatientHash, r.SourceRow, Convert.ToHexString(r.Image))).ToList();
        Assert.Equal(good.Count - d.Expected.Count, kept.Count);
        Assert.All(kept, k => Assert.Contains(k, good));
    }

    [Fact]
    public void Cli_exits_2_naming_file_and_row()
    {
        var d = Prepare("nih");
        var o = fx.Options("nih", d.Input, fx.NewDir("bad-cli"));
        var (code, stderr) = CacheReadback.RunCli(CacheReadback.CliArgs(o));
        Assert.Equal(2, code);
        // The missing image is known from the CSV scan, before any image is decoded, so it is the one reported.
        Assert.Contains($"Data_Entry_2017.csv:{d.Expected[1].Row}:", stderr);
        Assert.Contains("not found", stderr);
    }
}
