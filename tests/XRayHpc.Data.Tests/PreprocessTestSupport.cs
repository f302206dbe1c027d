using System.Diagnostics;
using System.Text;
using XRayHpc.Cache;
using XRayHpc.Parquet;
using Xunit;

namespace XRayHpc.Data.Tests;

/// <summary>One synthetic dataset per layout, generated once for all preprocess/loader tests.</summary>
public sealed class SynthDatasetsFixture : IDisposable
{
    public string Dir { get; } = Directory.CreateTempSubdirectory("xrh-cache-tests-").FullName;
    public IReadOnlyDictionary<string, string> Roots { get; }
    public string SaltFile { get; }

    public SynthDatasetsFixture()
    {
        var result = Synth.Generate(new SynthOptions { Layout = "all", OutputDir = Path.Combine(Dir, "raw"), Count = 40, Size = 256, Seed = 11, ImagesPerPatient = 2, Prevalence = 0.4 });
        Roots = result.Roots;
        SaltFile = Path.Combine(Dir, "salt");
        File.WriteAllText(SaltFile, "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff\n");
    }

    /// <summary>A private copy of a layout's raw files that a test may damage.</summary>
    public string CopyOf(string layout, string name)
    {
        var dst = Path.Combine(Dir, name);
        CopyDir(Roots[layout], dst);
        return dst;
    }

    static void CopyDir(string src, string dst)
    {
        Directory.CreateDirectory(dst);
        foreach (var f in Directory.EnumerateFiles(src)) File.Copy(f, Path.Combine(dst, Path.GetFileName(f)));
        foreach (var d in Directory.EnumerateDirectories(src)) CopyDir(d, Path.Combine(dst, Path.GetFileName(d)));
    }

    public PreprocessOptions Options(string layout, string input, string output, int size = 64) => new()
    {
        Layout = layout, InputDir = input, OutputDir = output, ImageSize = size, TargetRanks = 2, ValFraction = 0.2,
        TestFraction = 0.2, Seed = 5, SaltFile = SaltFile, Threads = 2, MaxRowsPerGroup = 8, RowGroupsPerShard = 2,
    };

    public string NewDir(string name) => Path.Combine(Dir, name + "-" + Guid.NewGuid().ToString("N")[..8]);

    public void Dispose() { try { Directory.Delete(Dir, true); } catch (IOException) { } }
}

[CollectionDefinition("synth")]
public sealed class SynthCollection : ICollectionFixture<SynthDatasetsFixture>;

/// <summary>A cached row as read back from the Parquet shards.</summary>
public sealed record CachedRow(string Split, string Shard, byte[] Image, int Height, int Width, float[] Labels, float[] Mask,
    string PatientHash, string? View, long SourceRow);

public static class CacheReadback
{
    public static List<CachedRow> ReadAll(string cacheDir)
    {
        var rows = new List<CachedRow>();
        foreach (var split in new[] { "train", "val", "test" })
        {
            var dir = Path.Combine(cacheDir, split);
            if (!Directory.Exists(dir)) continue;
            foreach (var file in Directory.EnumerateFiles(dir, "part-*.parquet").Order(StringComparer.Ordinal))
            {
                using var r = ParquetFileReader.Open(file);
                for (int g = 0; g < r.RowGroups.Count; g++)
                {
                    var img = r.ReadColumn(g, "image").AsBinary();
                    var h = r.ReadColumn(g, "height").AsInt32();
                    var w = r.ReadColumn(g, "width").AsInt32();
                    var lab = r.ReadColumn(g, "labels").AsFloatLists();
                    var mask = r.ReadColumn(g, "label_mask").AsFloatLists();
                    var ph = r.ReadColumn(g, "patient_hash").AsStrings();
                    var view = r.ReadColumn(g, "view").AsStrings();
                    var src = r.ReadColumn(g, "source_row").AsInt64();
                    for (int i = 0; i < img.Length; i++)
                        rows.Add(new CachedRow(split, Path.GetFileName(file), img[i]!, h[i], w[i], lab[i]!, mask[i]!, ph[i]!, view[i], src[i]));
                }
            }
        }
        return rows;
    }

    /// <summary>Every file under dir (recursively) that contains any of the needles, with the needle.</summary>
    public static List<string> FilesContaining(string dir, IEnumerable<string> needles)
    {
        var pats = needles.Where(n => n.Length >= 4).Distinct().Select(n => (n, Encoding.UTF8.GetBytes(n))).ToList();
        var hits = new List<string>();
        foreach (var f in Directory.EnumerateFiles(dir, "*", SearchOption.AllDirectories))
        {
            var bytes = File.ReadAllBytes(f);
            foreach (var (n, p) in pats)
                if (bytes.AsSpan().IndexOf(p) >= 0) hits.Add($"{Path.GetRelativePath(dir, f)} contains '{n}'");
        }
        return hits;
    }

    /// <summary>
    /// Every decoded text/binary value of every Parquet shard under dir (each column of each row group, read
    /// through the reader, i.e. after decompression and decoding) and every key-value metadata entry that
    /// contains any of the needles. A compressed column hides its text from a byte scan of the file.
    /// </summary>
    public static List<string> DecodedValuesContaining(string dir, IEnumerable<string> needles)
    {
        var pats = needles.Where(n => n.Length >= 4).Distinct().Select(n => (n, Encoding.UTF8.GetBytes(n))).ToList();
        var hits = new List<string>();
        int textColumns = 0;
        foreach (var f in Directory.EnumerateFiles(dir, "*.parquet", SearchOption.AllDirectories))
        {
            using var r = ParquetFileReader.Open(f);
            foreach (var (k, v) in r.KeyValueMetadata)
                foreach (var (n, _) in pats)
                    if (k.Contains(n, StringComparison.Ordinal) || v.Contains(n, StringComparison.Ordinal)) hits.Add($"{Path.GetRelativePath(dir, f)} metadata {k} contains '{n}'");
            for (int g = 0; g < r.RowGroups.Count; g++)
                foreach (var col in r.Schema.Columns.Where(c => !c.IsList && c.Type is ParquetType.String or ParquetType.ByteArray or ParquetType.FixedLenByteArray))
                {
                    textColumns++;
                    var values = r.ReadColumn(g, col.Name).AsBinary();
                    for (int i = 0; i < values.Length; i++)
                        foreach (var (n, p) in pats)
                            if (values[i] is { } b && b.AsSpan().IndexOf(p) >= 0) hits.Add($"{Path.GetRelativePath(dir, f)} row group {g} column {col.Name} row {i} contains '{n}'");
                }
        }
        Assert.True(textColumns > 0, $"no text column decoded under {dir}: the scan would prove nothing");
        return hits;
    }

    /// <summary>String values of DICOM PatientName/ID/BirthDate found in a file (explicit or implicit VR LE).</summary>
    public static List<string> DicomPhi(string path)
    {
        var d = File.ReadAllBytes(path);
        var found = new List<string>();
        foreach (ushort elem in new ushort[] { 0x0010, 0x0020, 0x0030 })
        {
            byte[] tag = [0x10, 0x00, (byte)elem, 0x00];
            int at = d.AsSpan().IndexOf(tag);
            if (at < 0 || at + 8 > d.Length) continue;
            int len, start;
            if (char.IsAsciiLetterUpper((char)d[at + 4]) && char.IsAsciiLetterUpper((char)d[at + 5])) { len = d[at + 6] | d[at + 7] << 8; start = at + 8; }
            else { len = BitConverter.ToInt32(d, at + 4); start = at + 8; }
            if (len <= 0 || start + len > d.Length) continue;
            var v = Encoding.ASCII.GetString(d, start, len).Trim('\0', ' ');
            if (v.Length > 0) found.Add(v);
            foreach (var part in v.Split('^', StringSplitOptions.RemoveEmptyEntries)) if (part != v) found.Add(part);
        }
        return found;
    }

    public static string CliDll => Path.Combine(AppContext.BaseDirectory, "xrayhpc.dll");

    public static ProcessStartInfo Cli(params string[] args)
    {
        var psi = new ProcessStartInfo("dotnet") { RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false };
        psi.ArgumentList.Add(CliDll);
        foreach (var a in args) psi.ArgumentList.Add(a);
        foreach (var v in new[] { "OMPI_COMM_WORLD_RANK", "PMI_RANK", "SLURM_PROCID" }) psi.Environment.Remove(v);
        return psi;
    }

    public static (int Code, string Stderr) RunCli(params string[] args)
    {
        using var p = Process.Start(Cli(args))!;
        var err = p.StandardError.ReadToEndAsync();
        var outp = p.StandardOutput.ReadToEndAsync();
        if (!p.WaitForExit(120_000)) { p.Kill(true); throw new TimeoutException("xrayhpc did not finish in 120 s"); }
        return (p.ExitCode, err.Result + outp.Result);
    }

    public static string[] CliArgs(PreprocessOptions o, params string[] extra) =>
    [
        "preprocess", "--layout", o.Layout, "--input", o.InputDir, "--output", o.OutputDir, "--size", o.ImageSize.ToString(),
        "--target-ranks", o.TargetRanks.ToString(), "--val-fraction", o.ValFraction.ToString(System.Globalization.CultureInfo.InvariantCulture),
        "--test-fraction", o.TestFraction.ToString(System.Globalization.CultureInfo.InvariantCulture), "--seed", o.Seed.ToString(),
        "--salt-file", o.SaltFile!, "--threads", o.Threads.ToString(), "--rows-per-group", o.MaxRowsPerGroup.ToString(),
        "--row-groups-per-shard", o.RowGroupsPerShard.ToString(), .. extra,
    ];
}
