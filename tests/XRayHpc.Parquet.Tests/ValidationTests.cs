namespace XRayHpc.Parquet.Tests;

/// <summary>Each kind of corruption raises ParquetFormatException naming file, row group, column and offset.</summary>
public class ValidationTests
{
    static string WriteInts(TempDir dir, ParquetCodec codec, string name = "v.parquet")
    {
        var path = dir.File(name);
        using var w = new ParquetFileWriter(path, new ParquetSchema(ParquetColumn.Required("x", ParquetType.Int32)),
            new ParquetWriteOptions { Codec = codec, WriteStatistics = false });
        w.WriteRowGroup(new RowGroup(ColumnData.FromInt32(Enumerable.Range(0, 1000).ToArray())));
        return path;
    }

    static ParquetFormatException ReadFails(string path)
    {
        return Assert.Throws<ParquetFormatException>(() =>
        {
            using var r = ParquetFileReader.Open(path);
            for (int g = 0; g < r.RowGroups.Count; g++)
                foreach (var c in r.Schema.Columns) r.ReadColumn(g, c.Name);
        });
    }

    static int IndexOf(byte[] hay, byte[] needle, int from = 0)
    {
        for (int i = from; i <= hay.Length - needle.Length; i++)
            if (hay.AsSpan(i, needle.Length).SequenceEqual(needle)) return i;
        return -1;
    }

    [Fact]
    public void BadMagic()
    {
        using var dir = new TempDir();
        var path = WriteInts(dir, ParquetCodec.Snappy);
        var b = File.ReadAllBytes(path); b[1] = (byte)'X'; File.WriteAllBytes(path, b);
        var e = ReadFails(path);
        Assert.Contains("bad magic", e.Message);
        Assert.Equal(path, e.File);
        Assert.Equal(0, e.Offset);
    }

    [Fact]
    public void TruncatedFile()
    {
        using var dir = new TempDir();
        var path = WriteInts(dir, ParquetCodec.Snappy);
        var b = File.ReadAllBytes(path); File.WriteAllBytes(path, b[..(b.Length - 20)]);
        var e = ReadFails(path);
        Assert.Contains("truncated", e.Message);
        Assert.Contains(path, e.Message);
    }

    [Fact]
    public void FooterLengthOutOfRange()
    {
        using var dir = new TempDir();
        var path = WriteInts(dir, ParquetCodec.Snappy);
        var b = File.ReadAllBytes(path);
        BitConverter.GetBytes(b.Length * 2).CopyTo(b, b.Length - 8);
        File.WriteAllBytes(path, b);
        var e = ReadFails(path);
        Assert.Contains("footer length", e.Message);
        Assert.Contains("out of range", e.Message);
        Assert.Equal(b.Length - 8, e.Offset);
    }

    [Fact]
    public void TruncatedFooter()
    {
        using var dir = new TempDir();
        var path = WriteInts(dir, ParquetCodec.Snappy);
        var b = File.ReadAllBytes(path);
        int len = BitConverter.ToInt32(b, b.Length - 8);
        // drop the footer's second half but keep a valid-looking tail
        var cut = b[..(b.Length - 8 - len / 2)].Concat(BitConverter.GetBytes(len / 2)).Concat("PAR1"u8.ToArray()).ToArray();
        File.WriteAllBytes(path, cut);
        var e = ReadFails(path);
        Assert.Contains("footer", e.Message);
    }

    [Fact]
    public void CorruptPageHeaderNamesRowGroupColumnAndOffset()
    {
        using var dir = new TempDir();
        var path = WriteInts(dir, ParquetCodec.Snappy);
        var b = File.ReadAllBytes(path);
        for (int i = 4; i < 10; i++) b[i] = 0xFF; // the first page header starts right after PAR1
        File.WriteAllBytes(path, b);
        var e = ReadFails(path);
        Assert.Contains("corrupt page header", e.Message);
        Assert.Equal(0, e.RowGroup);
        Assert.Equal("x", e.Column);
        Assert.Equal(4, e.Offset);
        Assert.Contains("row group 0", e.Message);
        Assert.Contains("column 'x'", e.Message);
        Assert.Contains("byte offset 4", e.Message);
    }

    [Fact]
    public void UnknownCodec()
    {
        using var dir = new TempDir();
        var path = WriteInts(dir, ParquetCodec.Uncompressed);
        var b = File.ReadAllBytes(path);
        int footer = b.Length - 8 - BitConverter.ToInt32(b, b.Length - 8);
        // ColumnMetaData: field 4 (codec, i32 = 0) directly followed by field 5 (num_values, i64)
        int at = IndexOf(b, [0x15, 0x00, 0x16], footer);
        Assert.True(at > 0);
        b[at + 1] = 34; // zigzag(17): no such codec
        File.WriteAllBytes(path, b);
        var e = ReadFails(path);
        Assert.Contains("unknown compression codec 17", e.Message);
        Assert.Equal("x", e.Column);
    }

    [Theory]
    [InlineData(ParquetCodec.Snappy)]
    [InlineData(ParquetCodec.Gzip)]
    [InlineData(ParquetCodec.Zstd)]
    public void DecompressedSizeMismatch(ParquetCodec codec)
    {
        using var dir = new TempDir();
        var path = WriteInts(dir, codec);
        var b = File.ReadAllBytes(path);
        // page header: type (0x15 0x00) then uncompressed_page_size (0x15 varint); 4000 bytes -> 2-byte varint
        Assert.Equal(new byte[] { 0x15, 0x00, 0x15 }, b[4..7]);
        b[7] ^= 0x02; // uncompressed size +-1
        File.WriteAllBytes(path, b);
        var e = ReadFails(path);
        Assert.Contains("decompressed size mismatch", e.Message);
        Assert.Equal(4, e.Offset);
    }

    [Fact]
    public void AbsentColumnIsNamed()
    {
        using var dir = new TempDir();
        var path = WriteInts(dir, ParquetCodec.Snappy);
        using var r = ParquetFileReader.Open(path);
        var e = Assert.Throws<ParquetFormatException>(() => r.ReadColumn(0, "labels"));
        Assert.Contains("'labels'", e.Message);
        Assert.Contains("absent", e.Message);
        Assert.Equal("labels", e.Column);
        Assert.Equal(0, e.RowGroup);
    }

    [Fact]
    public void NotAParquetFileAtAll()
    {
        using var dir = new TempDir();
        var path = dir.File("tiny.parquet");
        File.WriteAllBytes(path, "PAR1"u8.ToArray());
        Assert.Contains("too short", ReadFails(path).Message);
    }
}
