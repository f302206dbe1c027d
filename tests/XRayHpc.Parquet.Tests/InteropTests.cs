using System.Text.Json;

namespace XRayHpc.Parquet.Tests;

/// <summary>Files we write are read by DuckDB (and hyparquet) with identical values, and vice versa.</summary>
public class InteropTests
{
    static void AssertSameColumns(string file, ParquetFileReader ours, JsonElement dump, string engine)
    {
        var data = dump.GetProperty("data");
        foreach (var col in ours.Schema.Columns)
        {
            Assert.True(data.TryGetProperty(col.Name, out var theirs), $"{engine} has no column {col.Name} in {file}");
            var got = new List<string?>();
            for (int g = 0; g < ours.RowGroups.Count; g++) got.AddRange(Canonical.Of(ours.ReadColumn(g, col.Name)));
            var want = Canonical.Of(theirs, col.Type);
            Assert.Equal(want.Count, got.Count);
            for (int i = 0; i < want.Count; i++)
                if (want[i] != got[i])
                    Assert.Fail($"{Path.GetFileName(file)}: column {col.Name} row {i}: {engine} reads '{want[i]}', we read '{got[i]}'");
        }
    }

    static void AssertWeWroteWhatTheyRead(RowGroup[] written, JsonElement dump, string engine)
    {
        var data = dump.GetProperty("data");
        for (int c = 0; c < SampleTable.Schema.Count; c++)
        {
            var col = SampleTable.Schema[c];
            var want = written.SelectMany(rg => Canonical.Of(rg.Columns[c])).ToList();
            var got = Canonical.Of(data.GetProperty(col.Name), col.Type);
            Assert.Equal(want.Count, got.Count);
            for (int i = 0; i < want.Count; i++)
                if (want[i] != got[i]) Assert.Fail($"column {col.Name} row {i}: we wrote '{want[i]}', {engine} reads '{got[i]}'");
        }
    }

    static (string path, RowGroup[] written) WriteSample(TempDir dir, ParquetCodec codec)
    {
        var path = dir.File($"ours_{codec}.parquet");
        var groups = new[] { SampleTable.Build(1500, 7), SampleTable.Build(1, 8), SampleTable.Build(333, 9) };
        var opts = new ParquetWriteOptions
        {
            Codec = codec, RowGroupRowLimit = 600, PageSizeBytes = 2048,
            KeyValueMetadata = new Dictionary<string, string> { ["xrayhpc.manifest"] = "dataset: synth\nclass_names: [a, b]\n", ["empty"] = "" },
        };
        using var w = new ParquetFileWriter(path, SampleTable.Schema, opts);
        foreach (var g in groups) w.WriteRowGroup(g);
        return (path, groups);
    }

    static readonly ParquetCodec[] WrittenCodecs = [ParquetCodec.Uncompressed, ParquetCodec.Snappy, ParquetCodec.Gzip, ParquetCodec.Zstd];

    [Fact]
    public void DuckDbReadsWhatWeWriteWithEveryCodec()
    {
        using var dir = new TempDir();
        var samples = WrittenCodecs.Select(c => WriteSample(dir, c)).ToArray();
        var dumps = Oracle.Run(["dump", "duckdb", .. samples.Select(s => s.path)]).EnumerateArray().ToArray();
        Assert.Equal(samples.Length, dumps.Length);
        for (int k = 0; k < samples.Length; k++)
        {
            var (path, written) = samples[k];
            var dump = dumps[k];
            AssertWeWroteWhatTheyRead(written, dump, $"DuckDB ({WrittenCodecs[k]})");
            Assert.Equal(5, dump.GetProperty("rowGroups").GetInt32()); // 600+600+300, 1, 333
            var kv = dump.GetProperty("kv");
            Assert.Equal("dataset: synth\nclass_names: [a, b]\n", kv.GetProperty("xrayhpc.manifest").GetString());

            // statistics: DuckDB's view of our min/max/null count for the first row group's i32n column
            var first = written[0].Columns[SampleTable.Schema.IndexOf("i32n")].AsNullableInt32().Take(600).ToArray();
            var st = dump.GetProperty("stats").EnumerateArray().First(s => s.GetProperty("rowGroup").GetInt32() == 0 && s.GetProperty("path").GetString() == "i32n");
            Assert.Equal(first.Where(v => v.HasValue).Min()!.Value.ToString(), st.GetProperty("min").GetString());
            Assert.Equal(first.Where(v => v.HasValue).Max()!.Value.ToString(), st.GetProperty("max").GetString());
            Assert.Equal(first.Count(v => !v.HasValue).ToString(), st.GetProperty("nulls").ToString());
        }
    }

    [Fact]
    public void HyparquetReadsWhatWeWrite()
    {
        using var dir = new TempDir();
        var samples = new[] { ParquetCodec.Uncompressed, ParquetCodec.Snappy }.Select(c => WriteSample(dir, c)).ToArray();
        var dumps = Oracle.Run(["dump", "hyparquet", .. samples.Select(s => s.path)]).EnumerateArray().ToArray();
        for (int k = 0; k < samples.Length; k++)
        {
            AssertWeWroteWhatTheyRead(samples[k].written, dumps[k], "hyparquet");
            Assert.Equal("", dumps[k].GetProperty("kv").GetProperty("empty").GetString());
        }
    }

    [Fact]
    public void WeReadWhatDuckDbWrites()
    {
        using var dir = new TempDir();
        var files = Oracle.Run("write-duckdb", dir.Path);
        int checkedFiles = 0;
        foreach (var f in files.EnumerateArray())
        {
            if (f.GetProperty("file").ValueKind == JsonValueKind.Null)
            {
                // only the optional variants (brotli, v2) may be refused by DuckDB; the four codecs must work
                var opts = f.GetProperty("options").GetString()!;
                Assert.True(opts.Contains("brotli") || opts.Contains("v2"), $"DuckDB refused {opts}: {f.GetProperty("error")}");
                continue;
            }
            var file = f.GetProperty("file").GetString()!;
            var dump = f.GetProperty("dump");
            using var r = ParquetFileReader.Open(file);
            Assert.Equal(17, r.Schema.Count);
            Assert.Empty(r.UnsupportedColumns);
            Assert.Equal("duckdb", r.KeyValueMetadata["writer"]);
            Assert.True(r.RowGroups.Count >= 2 || file.Contains("v2_snappy"), $"{file} has one row group");
            AssertSameColumns(file, r, dump, "DuckDB");
            checkedFiles++;
        }
        Assert.True(checkedFiles >= 5, $"only {checkedFiles} DuckDB files were checked");
    }

    [Fact]
    public void WeReadWhatHyparquetWrites()
    {
        using var dir = new TempDir();
        var files = Oracle.Run("write-hyparquet", dir.Path);
        int n = 0;
        foreach (var f in files.EnumerateArray())
        {
            var file = f.GetProperty("file").GetString()!;
            var dump = f.GetProperty("dump");
            using var r = ParquetFileReader.Open(file);
            Assert.True(r.RowGroups.Count >= 3, $"{file}: expected several row groups");
            AssertSameColumns(file, r, dump, "hyparquet");
            n++;
        }
        Assert.Equal(4, n);
    }
}
