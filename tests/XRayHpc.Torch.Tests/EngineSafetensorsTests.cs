using System.Buffers.Binary;
using System.Text;
using XRayHpc.Torch;
using Xunit;

namespace XRayHpc.Torch.Tests;

public sealed class EngineSafetensorsTests : IDisposable
{
    private readonly string dir = EngineOracle.TempDir();
    public void Dispose() => Directory.Delete(dir, recursive: true);

    [Fact]
    public void RoundTripKeepsDtypesShapesValuesAndMetadata()
    {
        using var scope = torch.NewDisposeScope();
        torch.manual_seed(4);
        var src = new Dictionary<string, Tensor>
        {
            ["f32"] = torch.randn(new long[] { 3, 5 }),
            ["bf16"] = torch.randn(new long[] { 7 }).to(ScalarType.BFloat16),
            ["f16"] = torch.randn(new long[] { 2, 2 }).to(ScalarType.Float16),
            ["f64"] = torch.randn(new long[] { 4 }, ScalarType.Float64),
            ["i64"] = torch.randint(-1000, 1000, new long[] { 6 }),
            ["i32"] = torch.randint(-1000, 1000, new long[] { 6 }, ScalarType.Int32),
            ["u8"] = torch.randint(0, 256, new long[] { 9 }, ScalarType.Byte),
            ["bool"] = torch.randn(new long[] { 5 }).gt(0),
            ["scalar"] = torch.scalar_tensor(2.5),
            ["empty"] = torch.zeros(new long[] { 0, 3 }),
            ["transposed"] = torch.randn(new long[] { 3, 4 }).t(),                 // not contiguous
            ["cl"] = torch.randn(new long[] { 2, 3, 4, 4 }).contiguous(MemoryFormat.ChannelsLast),
        };
        var path = Path.Combine(dir, "rt.safetensors");
        var meta = new Dictionary<string, string> { ["step"] = "120", ["note"] = "ünïcode ok" };
        Safetensors.Save(path, src, meta);
        Assert.Equal(0, HeaderLength(path) % 8);
        var (back, backMeta) = Safetensors.Load(path);
        Assert.Equal(meta, backMeta);
        Assert.Equal(src.Keys.OrderBy(k => k), back.Keys.OrderBy(k => k));
        foreach (var (k, v) in src)
        {
            Assert.Equal(v.dtype, back[k].dtype);
            Assert.Equal(v.shape, back[k].shape);
            Assert.True(v.equal(back[k]), k);
        }
    }

    private static long HeaderLength(string path)
    {
        var b = new byte[8];
        using var f = File.OpenRead(path);
        f.ReadExactly(b);
        return (long)BinaryPrimitives.ReadUInt64LittleEndian(b);
    }

    private string WriteRaw(string header, int dataBytes)
    {
        var path = Path.Combine(dir, "bad.safetensors");
        var h = Encoding.UTF8.GetBytes(header);
        var bytes = new byte[8 + h.Length + dataBytes];
        BinaryPrimitives.WriteUInt64LittleEndian(bytes, (ulong)h.Length);
        h.CopyTo(bytes, 8);
        File.WriteAllBytes(path, bytes);
        return path;
    }

    [Theory]
    [InlineData("{\"w\":{\"dtype\":\"I8\",\"shape\":[2],\"data_offsets\":[0,2]}}", 2, "tensor 'w': unsupported dtype 'I8'")]
    [InlineData("{\"w\":{\"dtype\":\"F32\",\"shape\":[4],\"data_offsets\":[0,16]}}", 8, "tensor 'w': data_offsets [0, 16]")]
    [InlineData("{\"w\":{\"dtype\":\"F32\",\"shape\":[3],\"data_offsets\":[0,8]}}", 8, "do not hold 12 bytes")]
    [InlineData("{\"w\": [1, 2", 0, "header is not valid JSON")]
    public void CorruptFilesNameTheFileAndTensor(string header, int dataBytes, string expected)
    {
        var path = WriteRaw(header, dataBytes);
        long live = torch.live_tensor_count_this_thread();
        var e = Assert.Throws<InvalidDataException>(() => Safetensors.Load(path));
        Assert.Contains(path, e.Message);
        Assert.Contains(expected, e.Message);
        Assert.Equal(live, torch.live_tensor_count_this_thread()); // nothing half-loaded is left behind
    }

    [Fact]
    public void TruncatedFileIsRejected()
    {
        var path = Path.Combine(dir, "t.safetensors");
        using (var t = torch.ones(new long[] { 100 }))
            Safetensors.Save(path, new Dictionary<string, Tensor> { ["a"] = t });
        var bytes = File.ReadAllBytes(path);
        File.WriteAllBytes(path, bytes[..^10]);
        var e = Assert.Throws<InvalidDataException>(() => Safetensors.Load(path));
        Assert.Contains("tensor 'a'", e.Message);
        File.WriteAllBytes(path, bytes[..5]);
        Assert.Throws<InvalidDataException>(() => Safetensors.Load(path));
    }
}
