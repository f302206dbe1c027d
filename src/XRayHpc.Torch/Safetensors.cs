using System.Buffers.Binary;
using System.Text;
using System.Text.Json;

namespace XRayHpc.Torch;

/// <summary>
/// The safetensors format (what Python users load with `safetensors.torch.load_file`):
/// 8-byte little-endian header length, a JSON header {name: {dtype, shape, data_offsets:[begin,end)},
/// "__metadata__": {string: string}} padded with spaces to 8 bytes, then the raw little-endian data.
/// </summary>
public static class Safetensors
{
    private static readonly (ScalarType type, string code)[] Codes =
    {
        (ScalarType.Float32, "F32"), (ScalarType.Float64, "F64"), (ScalarType.BFloat16, "BF16"), (ScalarType.Float16, "F16"),
        (ScalarType.Int64, "I64"), (ScalarType.Int32, "I32"), (ScalarType.Byte, "U8"), (ScalarType.Bool, "BOOL"),
    };

    private static string CodeOf(ScalarType t) => Codes.First(c => c.type == t).code;

    /// <summary>
    /// Writes exactly `path` (callers wanting atomicity write a temporary name and rename it).
    /// Tensors are written in the dictionary's order; each is copied to a contiguous CPU tensor first.
    /// </summary>
    public static unsafe void Save(string path, IReadOnlyDictionary<string, Tensor> tensors, IReadOnlyDictionary<string, string>? metadata = null)
    {
        var header = new MemoryStream();
        using (var w = new Utf8JsonWriter(header))
        {
            w.WriteStartObject();
            if (metadata is { Count: > 0 })
            {
                w.WriteStartObject("__metadata__");
                foreach (var (k, v) in metadata) w.WriteString(k, v);
                w.WriteEndObject();
            }
            long offset = 0;
            foreach (var (name, t) in tensors)
            {
                if (name == "__metadata__") throw new ArgumentException("safetensors: '__metadata__' is reserved and cannot name a tensor");
                long bytes = t.numel() * ScalarTypes.ElementSize(t.dtype);
                w.WriteStartObject(name);
                w.WriteString("dtype", CodeOf(t.dtype));
                w.WriteStartArray("shape");
                foreach (var s in t.shape) w.WriteNumberValue(s);
                w.WriteEndArray();
                w.WriteStartArray("data_offsets");
                w.WriteNumberValue(offset);
                w.WriteNumberValue(offset + bytes);
                w.WriteEndArray();
                w.WriteEndObject();
                offset += bytes;
            }
            w.WriteEndObject();
        }
        int pad = (int)((8 - header.Length % 8) % 8);
        for (int i = 0; i < pad; i++) header.WriteByte((byte)' ');

        using var f = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 20);
        Span<byte> len = stackalloc byte[8];
        BinaryPrimitives.WriteUInt64LittleEndian(len, (ulong)header.Length);
        f.Write(len);
        header.Position = 0;
        header.CopyTo(f);
        foreach (var (_, t) in tensors)
        {
            if (t.numel() == 0) continue;
            using var scope = torch.NewDisposeScope();
            var c = t.device == Device.CPU && t.is_contiguous() ? t.detach() : t.detach().cpu().contiguous();
            long n = c.numel() * ScalarTypes.ElementSize(c.dtype);
            byte* p = (byte*)c.data_ptr();
            for (long done = 0; done < n;)
            {
                int chunk = (int)Math.Min(n - done, 1 << 30);
                f.Write(new ReadOnlySpan<byte>(p + done, chunk));
                done += chunk;
            }
        }
        f.Flush(flushToDisk: false);
    }

    /// <summary>Reads every tensor (CPU, contiguous) and the metadata. Bad files throw InvalidDataException naming the file and tensor.</summary>
    public static unsafe (Dictionary<string, Tensor> tensors, Dictionary<string, string> metadata) Load(string path)
    {
        using var f = File.OpenHandle(path, FileMode.Open, FileAccess.Read);
        long fileLength = RandomAccess.GetLength(f);
        Span<byte> len = stackalloc byte[8];
        if (fileLength < 8 || RandomAccess.Read(f, len, 0) != 8) throw Bad(path, "file is shorter than the 8-byte header length");
        ulong headerLength = BinaryPrimitives.ReadUInt64LittleEndian(len);
        if (headerLength > (ulong)(fileLength - 8) || headerLength > 100_000_000)
            throw Bad(path, $"header length {headerLength} exceeds the file ({fileLength} bytes)");
        var headerBytes = new byte[headerLength];
        ReadExactly(f, headerBytes, 8, path);
        long dataStart = 8 + (long)headerLength;
        long dataLength = fileLength - dataStart;

        var tensors = new Dictionary<string, Tensor>();
        var metadata = new Dictionary<string, string>();
        try
        {
            JsonDocument doc;
            try { doc = JsonDocument.Parse(headerBytes); }
            catch (JsonException e) { throw Bad(path, "header is not valid JSON: " + e.Message); }
            using (doc)
            {
                if (doc.RootElement.ValueKind != JsonValueKind.Object) throw Bad(path, "header is not a JSON object");
                foreach (var entry in doc.RootElement.EnumerateObject())
                {
                    if (entry.Name == "__metadata__")
                    {
                        foreach (var m in entry.Value.EnumerateObject()) metadata[m.Name] = m.Value.GetString() ?? "";
                        continue;
                    }
                    tensors[entry.Name] = ReadTensor(f, path, entry.Name, entry.Value, dataStart, dataLength);
                }
            }
        }
        catch
        {
            foreach (var t in tensors.Values) t.Dispose();
            throw;
        }
        return (tensors, metadata);
    }

    private static unsafe Tensor ReadTensor(Microsoft.Win32.SafeHandles.SafeFileHandle f, string path, string name, JsonElement e,
                                            long dataStart, long dataLength)
    {
        string code = e.TryGetProperty("dtype", out var d) ? d.GetString() ?? "" : "";
        var match = Codes.Where(c => c.code == code).ToArray();
        if (match.Length == 0) throw Bad(path, $"tensor '{name}': unsupported dtype '{code}'");
        var dtype = match[0].type;
        if (!e.TryGetProperty("shape", out var sh) || !e.TryGetProperty("data_offsets", out var off))
            throw Bad(path, $"tensor '{name}': missing shape or data_offsets");
        var shape = sh.EnumerateArray().Select(x => x.GetInt64()).ToArray();
        var offsets = off.EnumerateArray().Select(x => x.GetInt64()).ToArray();
        long numel = 1;
        foreach (var s in shape)
        {
            if (s < 0) throw Bad(path, $"tensor '{name}': negative dimension in shape");
            numel *= s;
        }
        long bytes = numel * ScalarTypes.ElementSize(dtype);
        if (offsets.Length != 2 || offsets[0] < 0 || offsets[1] - offsets[0] != bytes || offsets[1] > dataLength)
            throw Bad(path, $"tensor '{name}': data_offsets [{string.Join(", ", offsets)}] do not hold {bytes} bytes of {code} [{string.Join(", ", shape)}] within {dataLength} data bytes");
        var t = torch.empty(shape, dtype);
        try
        {
            if (bytes > 0)
            {
                byte* p = (byte*)t.data_ptr();
                for (long done = 0; done < bytes;)
                {
                    int chunk = (int)Math.Min(bytes - done, 1 << 30);
                    int n = RandomAccess.Read(f, new Span<byte>(p + done, chunk), dataStart + offsets[0] + done);
                    if (n <= 0) throw Bad(path, $"tensor '{name}': file ends inside its data");
                    done += n;
                }
            }
            return t;
        }
        catch
        {
            t.Dispose();
            throw;
        }
    }

    private static void ReadExactly(Microsoft.Win32.SafeHandles.SafeFileHandle f, byte[] buffer, long offset, string path)
    {
        int done = 0;
        while (done < buffer.Length)
        {
            int n = RandomAccess.Read(f, buffer.AsSpan(done), offset + done);
            if (n <= 0) throw Bad(path, "file ends inside the header");
            done += n;
        }
    }

    private static InvalidDataException Bad(string path, string reason) => new($"{path}: not a valid safetensors file: {reason}");
}
