using System.Diagnostics;

namespace XRayHpc.Parquet.Tests;

/// <summary>
/// Bounded mutation fuzzing of valid files (bit flips, truncation, splices, overwrites; fixed seed):
/// reading must only ever fail with ParquetFormatException, finish, and allocate at most a small
/// multiple of the file's size.
/// </summary>
public class FuzzTests
{
    // FUZZ_SEED / FUZZ_MUTATIONS / FUZZ_SECONDS allow a deeper run by hand; CI uses the fixed defaults
    static readonly int Seed = Env("FUZZ_SEED", 20261122);
    static readonly int MaxMutations = Env("FUZZ_MUTATIONS", 3000);
    static readonly TimeSpan Budget = TimeSpan.FromSeconds(Env("FUZZ_SECONDS", 25));
    static int Env(string name, int dflt) => int.TryParse(Environment.GetEnvironmentVariable(name), out var v) ? v : dflt;
    const long AllocFactor = 8, AllocConstant = 1 << 20;

    static List<byte[]> Seeds(TempDir dir)
    {
        var files = new List<byte[]>();
        var schema = new ParquetSchema(
            ParquetColumn.Required("i", ParquetType.Int32), ParquetColumn.Optional("s", ParquetType.String),
            ParquetColumn.Optional("d", ParquetType.Double), ParquetColumn.Required("b", ParquetType.Boolean),
            ParquetColumn.List("l", ParquetType.Float), ParquetColumn.Optional("bin", ParquetType.ByteArray),
            ParquetColumn.Required("f", ParquetType.FixedLenByteArray, 3), ParquetColumn.Optional("n", ParquetType.Int64));
        var rng = new Random(5);
        int k = 0;
        foreach (var codec in new[] { ParquetCodec.Uncompressed, ParquetCodec.Snappy, ParquetCodec.Gzip, ParquetCodec.Zstd })
        {
            var path = dir.File($"seed{k++}.parquet");
            using (var w = new ParquetFileWriter(path, schema, new ParquetWriteOptions { Codec = codec, RowGroupRowLimit = 40, PageSizeBytes = 256,
                       KeyValueMetadata = new Dictionary<string, string> { ["m"] = "v" } }))
            {
                int n = 100;
                w.WriteRowGroup(new RowGroup(
                    ColumnData.FromInt32(Enumerable.Range(0, n).Select(i => rng.Next(1000)).ToArray()),
                    ColumnData.FromStrings(Enumerable.Range(0, n).Select(i => i % 4 == 0 ? null : "s" + rng.Next(3)).ToArray()),
                    ColumnData.FromNullableDouble(Enumerable.Range(0, n).Select(i => i % 3 == 0 ? (double?)null : rng.NextDouble()).ToArray()),
                    ColumnData.FromBoolean(Enumerable.Range(0, n).Select(i => rng.Next(2) == 0).ToArray()),
                    ColumnData.FromFloatLists(Enumerable.Range(0, n).Select(i => Enumerable.Range(0, rng.Next(4)).Select(_ => (float)rng.NextDouble()).ToArray()).ToArray()),
                    ColumnData.FromBinary(Enumerable.Range(0, n).Select(i => i % 5 == 0 ? null : new byte[rng.Next(20)]).ToArray()),
                    ColumnData.FromFixedLenByteArray(Enumerable.Range(0, n).Select(i => new byte[] { (byte)i, 1, 2 }).ToArray()),
                    ColumnData.FromNullableInt64(Enumerable.Range(0, n).Select(i => i % 2 == 0 ? (long?)null : rng.NextInt64()).ToArray())));
            }
            files.Add(File.ReadAllBytes(path));
        }
        // other writers' layouts: dictionary pages, data page v2, delta encodings, all-OPTIONAL lists
        var foreign = Directory.CreateDirectory(dir.File("foreign")).FullName;
        foreach (var f in Oracle.Run("write-fuzz-seeds", foreign).EnumerateArray())
            files.Add(File.ReadAllBytes(f.GetProperty("file").GetString()!));
        return files;
    }

    static (byte[] bytes, string what) Mutate(byte[] src, List<byte[]> all, Random rng)
    {
        var b = (byte[])src.Clone();
        switch (rng.Next(6))
        {
            case 0:
                {
                    int flips = 1 + rng.Next(4);
                    var at = new List<int>();
                    for (int i = 0; i < flips; i++) { int p = rng.Next(b.Length); at.Add(p); b[p] ^= (byte)(1 << rng.Next(8)); }
                    return (b, $"flip bits at {string.Join(",", at)}");
                }
            case 1:
                {
                    int len = rng.Next(b.Length);
                    return (b[..len], $"truncate to {len}");
                }
            case 2:
                {
                    // splice a range of another (or the same) valid file over this one
                    var other = all[rng.Next(all.Count)];
                    int from = rng.Next(other.Length), to = rng.Next(b.Length);
                    int n = Math.Min(rng.Next(1, 64), Math.Min(other.Length - from, b.Length - to));
                    Array.Copy(other, from, b, to, n);
                    return (b, $"splice {n} bytes from {from} to {to}");
                }
            case 3:
                {
                    // the footer is where counts and offsets live: hit it more often
                    int footer = Math.Max(4, b.Length - 8 - BitConverter.ToInt32(b, b.Length - 8));
                    int p = footer + rng.Next(Math.Max(1, b.Length - footer));
                    if (p >= b.Length) p = b.Length - 1;
                    b[p] = (byte)rng.Next(256);
                    return (b, $"footer byte {p} = {b[p]}");
                }
            case 4:
                {
                    // a large varint-ish value somewhere (page sizes, counts)
                    int p = rng.Next(b.Length - 4);
                    b[p] = 0xFF; b[p + 1] = 0xFF; b[p + 2] = 0xFF; b[p + 3] = (byte)rng.Next(1, 16);
                    return (b, $"big varint at {p}");
                }
            default:
                {
                    int p = rng.Next(b.Length), n = Math.Min(b.Length - p, rng.Next(1, 16));
                    var junk = new byte[n]; rng.NextBytes(junk); junk.CopyTo(b, p);
                    return (b, $"random {n} bytes at {p}");
                }
        }
    }

    /// <summary>Reads every column of every row group and touches every value.</summary>
    static void ReadAll(string path)
    {
        using var r = ParquetFileReader.Open(path);
        for (int g = 0; g < r.RowGroups.Count; g++)
            foreach (var c in r.Schema.Columns)
            {
                var col = r.ReadColumn(g, c.Name);
                for (int i = 0; i < col.Count; i++)
                    if (!c.IsList && c.Type is ParquetType.String or ParquetType.ByteArray or ParquetType.FixedLenByteArray) _ = col.GetBytes(i).Length;
            }
    }

    [Fact]
    public void MutatedFilesOnlyRaiseParquetFormatException()
    {
        using var dir = new TempDir();
        var seeds = Seeds(dir);
        var path = dir.File("mutant.parquet");
        foreach (var s in seeds) { File.WriteAllBytes(path, s); ReadAll(path); } // the seeds themselves are valid
        Assert.True(seeds.Count >= 10, $"only {seeds.Count} seed files");

        var rng = new Random(Seed);
        string current = "";
        int done = 0, rejected = 0;
        long worstAlloc = 0; double worstRatio = 0;
        var failures = new List<string>();
        var sw = Stopwatch.StartNew();
        var worker = new Thread(() =>
        {
            while (done < MaxMutations && sw.Elapsed < Budget && failures.Count < 5)
            {
                var seed = seeds[rng.Next(seeds.Count)];
                var (bytes, what) = Mutate(seed, seeds, rng);
                current = what;
                File.WriteAllBytes(path, bytes);
                long before = GC.GetAllocatedBytesForCurrentThread();
                try { ReadAll(path); }
                catch (ParquetFormatException) { rejected++; }
                catch (Exception e) { failures.Add($"{what}: {e.GetType().Name}: {e.Message}\n{e.StackTrace}"); }
                long alloc = GC.GetAllocatedBytesForCurrentThread() - before;
                worstAlloc = Math.Max(worstAlloc, alloc);
                if (bytes.Length > 0) worstRatio = Math.Max(worstRatio, (double)alloc / bytes.Length);
                if (alloc > AllocFactor * bytes.Length + AllocConstant)
                    failures.Add($"{what}: allocated {alloc} bytes reading a {bytes.Length}-byte file");
                done++;
            }
        }, 16 << 20);
        worker.Start();
        // a hang shows up as the worker missing its deadline by far
        bool finished = worker.Join(Budget + TimeSpan.FromSeconds(60));
        Assert.True(finished, $"reading a mutated file hung: {current}");
        Assert.True(failures.Count == 0, string.Join("\n\n", failures));
        Assert.True(done >= 200, $"only {done} mutations ran in {Budget.TotalSeconds} s");
        Assert.True(rejected > done / 10, $"only {rejected} of {done} mutations were rejected: the mutations are too weak");
        Console.WriteLine($"fuzz: {done} mutations, {rejected} rejected, worst allocation {worstAlloc} bytes ({worstRatio:F1}x file size)");
    }
}
