using System.Diagnostics;

namespace XRayHpc.Parquet.Tests;

/// <summary>
/// PageHeader.crc: written for every page as the format specifies (CRC-32 of the page bytes after the header,
/// as stored), verified on read; a flipped byte becomes an error naming file, row group, column and page.
/// </summary>
public class ChecksumTests
{
    [Fact]
    public void Crc32_MatchesTheStandardCheckValue_TheReferenceTable_AndPythonZlib()
    {
        Assert.Equal(0xCBF43926u, Crc32.Compute("123456789"u8));
        Assert.Equal(0xCBF43926u, Crc32.ComputeManaged("123456789"u8));
        Assert.Equal(0u, Crc32.Compute([]));
        var rng = new Random(12);
        foreach (var n in new[] { 1, 7, 64, 4095, (1 << 20) + 3 })
        {
            var b = new byte[n];
            rng.NextBytes(b);
            Assert.Equal(Crc32.ComputeManaged(b), Crc32.Compute(b));
        }
        var data = new byte[100_003];
        rng.NextBytes(data);
        var psi = new ProcessStartInfo("/usr/bin/python3", ["-c", "import sys, zlib; print(zlib.crc32(sys.stdin.buffer.read()))"])
            { RedirectStandardInput = true, RedirectStandardOutput = true };
        using var py = Process.Start(psi)!;
        py.StandardInput.BaseStream.Write(data);
        py.StandardInput.Close();
        var zlib = uint.Parse(py.StandardOutput.ReadToEnd().Trim());
        py.WaitForExit();
        Assert.Equal(zlib, Crc32.Compute(data));
    }

    [Fact]
    public void EveryPageHeaderCarriesTheCrcOfItsBytes()
    {
        using var dir = new TempDir();
        var path = dir.File("one.parquet");
        // One required INT32 column, one uncompressed page: the page bytes after the header are the plain values.
        var values = Enumerable.Range(0, 1000).Select(i => i * 7919 - 123456).ToArray();
        using (var w = new ParquetFileWriter(path, new ParquetSchema(ParquetColumn.Required("v", ParquetType.Int32)),
                   new ParquetWriteOptions { Codec = ParquetCodec.Uncompressed }))
            w.WriteRowGroup(new RowGroup(ColumnData.FromInt32(values)));
        var file = File.ReadAllBytes(path);
        var body = values.SelectMany(BitConverter.GetBytes).ToArray();
        int bodyAt = file.AsSpan(4).IndexOf(body) + 4;
        Assert.True(bodyAt > 4, "page body not found after the header");
        // Thrift compact: field 4 (delta 1 after field 3), type i32 -> 0x15, then the zigzag varint of the CRC as i32.
        int crc = unchecked((int)Crc32.ComputeManaged(body));
        var encoded = new List<byte> { 0x15 };
        for (uint z = (uint)((crc << 1) ^ (crc >> 31)); ; z >>= 7)
        {
            if (z < 0x80) { encoded.Add((byte)z); break; }
            encoded.Add((byte)(z | 0x80));
        }
        Assert.True(file.AsSpan(4, bodyAt - 4).IndexOf(encoded.ToArray()) >= 0, "the page header lacks crc = CRC-32 of the page bytes");
        using var r = ParquetFileReader.Open(path);
        Assert.Equal(values.Length, r.ReadColumn(0, "v").Count);
    }

    [Theory]
    [InlineData(ParquetCodec.Uncompressed)]
    [InlineData(ParquetCodec.Zstd)]
    public void AFlippedByteInAPage_IsAnErrorNamingFileRowGroupColumnAndPage(ParquetCodec codec)
    {
        using var dir = new TempDir();
        var path = dir.File($"flip-{codec}.parquet");
        var rng = new Random(5);
        var images = Enumerable.Range(0, 40).Select(_ => { var b = new byte[4096]; rng.NextBytes(b); return (byte[]?)b; }).ToArray();
        var schema = new ParquetSchema(ParquetColumn.Required("id", ParquetType.Int32), ParquetColumn.Required("image", ParquetType.ByteArray));
        using (var w = new ParquetFileWriter(path, schema, new ParquetWriteOptions { Codec = codec, PageSizeBytes = 16384 }))
            w.WriteRowGroup(new RowGroup(ColumnData.FromInt32(Enumerable.Range(0, 40).ToArray()), ColumnData.FromBinary(images)));
        var bytes = File.ReadAllBytes(path);
        bytes[bytes.Length / 2] ^= 0x40; // inside the image pages, as in the issue's 64 flipped bytes
        File.WriteAllBytes(path, bytes);

        using var r = ParquetFileReader.Open(path);
        Assert.Equal(40, r.ReadColumn(0, "id").Count); // the other column is intact
        var e = Assert.Throws<ParquetFormatException>(() => r.ReadColumn(0, "image"));
        Assert.Equal(path, e.File);
        Assert.Equal(0, e.RowGroup);
        Assert.Equal("image", e.Column);
        Assert.Matches(@"page \d+: CRC-32 mismatch", e.Message);

        // Verification off (for measuring its cost only): the uncompressed page decodes to silently changed bytes.
        if (codec == ParquetCodec.Uncompressed)
        {
            using var unchecked_ = ParquetFileReader.Open(path);
            unchecked_.VerifyPageChecksums = false;
            Assert.Equal(40, unchecked_.ReadColumn(0, "image").Count);
        }
    }
}
