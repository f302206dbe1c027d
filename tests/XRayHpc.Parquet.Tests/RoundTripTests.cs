namespace XRayHpc.Parquet.Tests;

public class RoundTripTests
{
    public static IEnumerable<object[]> Codecs() =>
        new[] { ParquetCodec.Uncompressed, ParquetCodec.Snappy, ParquetCodec.Gzip, ParquetCodec.Zstd }.Select(c => new object[] { c });

    [Theory]
    [MemberData(nameof(Codecs))]
    public void EveryTypeRoundTripsThroughOurReader(ParquetCodec codec)
    {
        using var dir = new TempDir();
        var path = dir.File("t.parquet");
        var rg = SampleTable.Build(2500, 1);
        var opts = new ParquetWriteOptions { Codec = codec, RowGroupRowLimit = 1000, PageSizeBytes = 4096,
            KeyValueMetadata = new Dictionary<string, string> { ["k"] = "v", ["manifest"] = "dataset: synth\n" } };
        using (var w = new ParquetFileWriter(path, SampleTable.Schema, opts)) w.WriteRowGroup(rg);

        using var r = ParquetFileReader.Open(path);
        Assert.Equal(3, r.RowGroups.Count);
        Assert.Equal(new long[] { 1000, 1000, 500 }, r.RowGroups.Select(g => g.RowCount));
        Assert.Equal("v", r.KeyValueMetadata["k"]);
        Assert.Equal("dataset: synth\n", r.KeyValueMetadata["manifest"]);
        Assert.Equal(SampleTable.Schema.ToString(), r.Schema.ToString());
        for (int c = 0; c < SampleTable.Schema.Count; c++)
        {
            var expected = Canonical.Of(rg.Columns[c]);
            var got = new List<string?>();
            for (int g = 0; g < r.RowGroups.Count; g++) got.AddRange(Canonical.Of(r.ReadColumn(g, SampleTable.Schema[c].Name)));
            Assert.True(expected.SequenceEqual(got), $"column {SampleTable.Schema[c].Name} differs");
        }
    }

    [Fact]
    public void BinaryValuesAreSlicesOfOneBuffer()
    {
        using var dir = new TempDir();
        var path = dir.File("b.parquet");
        var values = Enumerable.Range(0, 100).Select(i => Enumerable.Repeat((byte)i, i * 10).ToArray()).ToArray();
        using (var w = new ParquetFileWriter(path, new ParquetSchema(ParquetColumn.Required("img", ParquetType.ByteArray)),
                   new ParquetWriteOptions { Codec = ParquetCodec.Uncompressed }))
            w.WriteRowGroup(new RowGroup(ColumnData.FromBinary(values)));
        using var r = ParquetFileReader.Open(path);
        var col = r.ReadColumn(0, "img");
        for (int i = 0; i < values.Length; i++) Assert.True(col.GetBytes(i).SequenceEqual(values[i]));
        var m1 = col.GetMemory(1); var m2 = col.GetMemory(2);
        Assert.True(System.Runtime.InteropServices.MemoryMarshal.TryGetArray(m1, out var a1));
        Assert.True(System.Runtime.InteropServices.MemoryMarshal.TryGetArray(m2, out var a2));
        Assert.Same(a1.Array, a2.Array);
    }

    [Fact]
    public void EmptyRowGroupAndEmptyFileRoundTrip()
    {
        using var dir = new TempDir();
        var path = dir.File("e.parquet");
        var schema = new ParquetSchema(ParquetColumn.Required("a", ParquetType.Int32), ParquetColumn.List("l", ParquetType.Float));
        using (var w = new ParquetFileWriter(path, schema, new ParquetWriteOptions()))
            w.WriteRowGroup(new RowGroup(ColumnData.FromInt32([]), ColumnData.FromFloatLists([])));
        using var r = ParquetFileReader.Open(path);
        Assert.Single(r.RowGroups);
        Assert.Empty(r.ReadColumn(0, "a").AsInt32());
        Assert.Empty(r.ReadColumn(0, "l").AsFloatLists());

        var path2 = dir.File("none.parquet");
        new ParquetFileWriter(path2, schema).Dispose();
        using var r2 = ParquetFileReader.Open(path2);
        Assert.Empty(r2.RowGroups);
        Assert.Equal(0, r2.RowCount);
    }

    [Fact]
    public void StringDictionaryIsUsedAndSmaller()
    {
        using var dir = new TempDir();
        var values = Enumerable.Range(0, 10000).Select(i => "label-" + (i % 3)).ToArray();
        var schema = new ParquetSchema(ParquetColumn.Required("s", ParquetType.String));
        long Size(bool dict)
        {
            var p = dir.File($"d{dict}.parquet");
            using (var w = new ParquetFileWriter(p, schema, new ParquetWriteOptions { Codec = ParquetCodec.Uncompressed, DictionaryForStrings = dict }))
                w.WriteRowGroup(new RowGroup(ColumnData.FromStrings(values)));
            using var r = ParquetFileReader.Open(p);
            Assert.Equal(values, r.ReadColumn(0, "s").AsStrings());
            return new FileInfo(p).Length;
        }
        Assert.True(Size(true) * 10 < Size(false));
    }

    [Fact]
    public void WriterRejectsNullInRequiredColumnNamingTheRow()
    {
        using var dir = new TempDir();
        using var w = new ParquetFileWriter(dir.File("x.parquet"), new ParquetSchema(ParquetColumn.Required("s", ParquetType.String)));
        var e = Assert.Throws<ArgumentException>(() => w.WriteRowGroup(new RowGroup(ColumnData.FromStrings(["a", null]))));
        Assert.Contains("row 1", e.Message);
        Assert.Contains("'s'", e.Message);
    }

    [Fact]
    public void StatisticsHoldMinMaxAndNullCount()
    {
        using var dir = new TempDir();
        var path = dir.File("s.parquet");
        var schema = new ParquetSchema(ParquetColumn.Optional("i", ParquetType.Int32), ParquetColumn.Required("f", ParquetType.Float),
            ParquetColumn.Optional("s", ParquetType.String), ParquetColumn.Required("img", ParquetType.ByteArray));
        using (var w = new ParquetFileWriter(path, schema, new ParquetWriteOptions { Codec = ParquetCodec.Zstd }))
            w.WriteRowGroup(new RowGroup(ColumnData.FromNullableInt32([5, null, -7, 3, null]), ColumnData.FromFloat([1.5f, float.NaN, -2f, 0f, 9f]),
                ColumnData.FromStrings(["pear", "apple", null, "zoo", "apple"]), ColumnData.FromBinary([new byte[2000], new byte[1], [], [1], [2]])));
        using var r = ParquetFileReader.Open(path);
        var i = r.GetStatistics(0, "i")!;
        Assert.Equal(2, i.NullCount);
        Assert.Equal(-7, BitConverter.ToInt32(i.Min!));
        Assert.Equal(5, BitConverter.ToInt32(i.Max!));
        var f = r.GetStatistics(0, "f")!;
        Assert.Equal(-2f, BitConverter.ToSingle(f.Min!)); // NaN is left out of the ordering
        Assert.Equal(9f, BitConverter.ToSingle(f.Max!));
        var s = r.GetStatistics(0, "s")!;
        Assert.Equal(1, s.NullCount);
        Assert.Equal("apple"u8.ToArray(), s.Min);
        Assert.Equal("zoo"u8.ToArray(), s.Max);
        var img = r.GetStatistics(0, "img")!; // a 2000-byte value would bloat the footer: no min/max
        Assert.Null(img.Min);
        Assert.Equal(0, img.NullCount);
    }

    [Fact]
    public void SameInputGivesIdenticalBytes()
    {
        using var dir = new TempDir();
        byte[] Write(string name)
        {
            var p = dir.File(name);
            using (var w = new ParquetFileWriter(p, SampleTable.Schema, new ParquetWriteOptions { Codec = ParquetCodec.Zstd, RowGroupRowLimit = 300,
                       KeyValueMetadata = new Dictionary<string, string> { ["a"] = "1", ["b"] = "2" } }))
                w.WriteRowGroup(SampleTable.Build(700, 3));
            return File.ReadAllBytes(p);
        }
        Assert.Equal(Write("a.parquet"), Write("b.parquet"));
    }

    [Fact]
    public void ColumnsCanBeReadConcurrentlyFromOneReader()
    {
        using var dir = new TempDir();
        var path = dir.File("c.parquet");
        var rg = SampleTable.Build(2000, 4);
        using (var w = new ParquetFileWriter(path, SampleTable.Schema, new ParquetWriteOptions { Codec = ParquetCodec.Snappy, RowGroupRowLimit = 250 }))
            w.WriteRowGroup(rg);
        using var r = ParquetFileReader.Open(path);
        var expected = Enumerable.Range(0, SampleTable.Schema.Count).Select(c => Canonical.Of(rg.Columns[c])).ToArray();
        var got = new List<string?>[SampleTable.Schema.Count, r.RowGroups.Count];
        Parallel.For(0, SampleTable.Schema.Count * r.RowGroups.Count, new ParallelOptions { MaxDegreeOfParallelism = 4 }, k =>
        {
            int c = k % SampleTable.Schema.Count, g = k / SampleTable.Schema.Count;
            got[c, g] = Canonical.Of(r.ReadColumn(g, SampleTable.Schema[c].Name));
        });
        for (int c = 0; c < SampleTable.Schema.Count; c++)
            Assert.Equal(expected[c], Enumerable.Range(0, r.RowGroups.Count).SelectMany(g => got[c, g]));
    }
}
