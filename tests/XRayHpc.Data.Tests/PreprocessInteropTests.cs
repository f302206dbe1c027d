using System.Globalization;
using System.Text.Json;
using XRayHpc.Cache;
using Xunit;
using Oracle = XRayHpc.Parquet.Tests.Oracle;

namespace XRayHpc.Data.Tests;

/// <summary>
/// A shard written by preprocess (our Parquet writer, zstd, lists, the cache's real schema) read by an
/// independent reader: DuckDB (tests/interop/oracle.mjs), which must see exactly the rows we read back.
/// </summary>
[Collection("synth")]
public class PreprocessInteropTests(SynthDatasetsFixture fx)
{
    [Fact]
    public void DuckDB_reads_every_value_of_a_preprocess_written_shard()
    {
        var o = fx.Options("nih", fx.Roots["nih"], fx.NewDir("cache-duckdb"));
        Preprocessor.Run(o);
        var shard = Directory.EnumerateFiles(Path.Combine(o.OutputDir, "train"), "part-*.parquet").Order(StringComparer.Ordinal).First();
        var ours = CacheReadback.ReadAll(o.OutputDir).Where(r => r.Split == "train" && r.Shard == Path.GetFileName(shard)).ToList();
        Assert.True(ours.Count >= 2, $"{shard}: only {ours.Count} rows");

        var dump = Oracle.Run("dump", "duckdb", shard)[0];
        var data = dump.GetProperty("data");
        string[] Strings(string col) => data.GetProperty(col).EnumerateArray().Select(v => v.ValueKind == JsonValueKind.Null ? null! : v.ToString()).ToArray();
        float[][] FloatLists(string col) => data.GetProperty(col).EnumerateArray().Select(l => l.EnumerateArray().Select(v => v.GetSingle()).ToArray()).ToArray();

        Assert.Equal(ours.Count, data.GetProperty("patient_hash").GetArrayLength());
        Assert.Equal(ours.Select(r => r.PatientHash), Strings("patient_hash"));
        Assert.Equal(ours.Select(r => r.SourceRow.ToString(CultureInfo.InvariantCulture)), Strings("source_row"));
        Assert.Equal(ours.Select(r => r.Height.ToString(CultureInfo.InvariantCulture)), Strings("height"));
        Assert.Equal(ours.Select(r => r.Width.ToString(CultureInfo.InvariantCulture)), Strings("width"));
        Assert.Equal(ours.Select(r => r.View), Strings("view"));
        Assert.Equal(ours.Select(r => Convert.ToHexStringLower(r.Image)), Strings("image")); // blobs come back as hex
        var labels = FloatLists("labels");
        var masks = FloatLists("label_mask");
        for (int i = 0; i < ours.Count; i++)
        {
            Assert.Equal(ours[i].Labels, labels[i]);
            Assert.Equal(ours[i].Mask, masks[i]);
        }
    }
}
