using System.Buffers.Binary;
using System.IO.Compression;
using System.Numerics;

namespace XRayHpc.Torch.serialization;

/// <summary>
/// Reads a state_dict written by `torch.save` without running Python: the zip format (PyTorch ≥ 1.6:
/// `&lt;name&gt;/data.pkl` + one stored entry per storage, `&lt;name&gt;/data/&lt;key&gt;`) and the legacy format
/// (`_use_new_zipfile_serialization=False`: five pickles — magic number, protocol 1001, sys_info, the
/// state_dict, the sorted storage keys — then each storage as an int64 element count and its raw bytes).
/// The pickles go through <see cref="PickleMachine"/>, which refuses anything a state_dict does not need.
/// Memory is bounded by the file: every storage is checked against the bytes the file has, each tensor
/// against its storage, and all tensors together may not exceed twice the file length plus 1 MiB
/// (tied weights share a storage; a file cannot expand into unbounded copies).
/// Errors are <see cref="InvalidDataException"/> for a damaged file and <see cref="UnsafePickleException"/> for a refused pickle,
/// naming the file.
/// </summary>
public static class PthReader
{
    static readonly BigInteger LegacyMagic = BigInteger.Parse("119547037146038801333356"); // 0x1950a86a20f9469cfc6c
    const long LegacyProtocol = 1001;

    /// <summary>True when the file starts like a zip or legacy torch.save file (not a safetensors file).</summary>
    public static bool LooksLikePth(ReadOnlySpan<byte> head) =>
        head.Length >= 4 && (head[..4].SequenceEqual("PK\u0003\u0004"u8) || (head[0] == 0x80 && head[1] <= 5));

    /// <summary>The state_dict in file order (CPU, contiguous). A checkpoint dict holding a "state_dict" or
    /// "model" dict of tensors yields that dict.</summary>
    public static OrderedDictionary<string, Tensor> Load(string path)
    {
        using var f = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16);
        Span<byte> head = stackalloc byte[4];
        if (f.Length < 4 || f.Read(head) != 4) throw Bad(path, "shorter than 4 bytes");
        f.Position = 0;
        try
        {
            return head.SequenceEqual("PK\u0003\u0004"u8) ? LoadZip(path, f) : LoadLegacy(path, f);
        }
        catch (InvalidDataException) { throw; }
        catch (Exception e) when (e is IOException or ArgumentException or NotSupportedException or OverflowException or FormatException)
        {
            // A damaged zip directory surfaces from System.IO.Compression under several exception types.
            throw Bad(path, e.Message);
        }
    }

    // ---- zip format ------------------------------------------------------------------------------------

    static OrderedDictionary<string, Tensor> LoadZip(string path, FileStream f)
    {
        long fileLength = f.Length;
        using var zip = new ZipArchive(f, ZipArchiveMode.Read, leaveOpen: true);
        var pkl = zip.Entries.Where(e => e.FullName.EndsWith("/data.pkl", StringComparison.Ordinal) && e.FullName.IndexOf('/') == e.FullName.Length - 9).ToList();
        if (pkl.Count != 1) throw Bad(path, $"expected one '<name>/data.pkl' entry, found {pkl.Count}");
        string prefix = pkl[0].FullName[..^"data.pkl".Length];
        if (zip.GetEntry(prefix + "byteorder") is { } bo && ReadEntry(path, bo, fileLength, 16) is var order && System.Text.Encoding.ASCII.GetString(order) != "little")
            throw Bad(path, "big-endian storages are not supported");

        var storages = new Dictionary<string, StorageRef>();
        object? root;
        using (var s = pkl[0].Open())
        {
            long limit = CheckedEntryLength(path, pkl[0], fileLength);
            root = new PickleMachine(s, limit, $"{path}:{pkl[0].FullName}", (dtype, key, numel, _) => Storage(path, storages, dtype, key, numel)).Run();
        }
        var data = new Dictionary<string, byte[]>();
        long readBudget = fileLength; // entries may overlap in a crafted zip; together they cannot hold more than the file
        byte[] Bytes(StorageRef r)
        {
            if (data.TryGetValue(r.Key, out var b)) return b;
            var entry = zip.GetEntry($"{prefix}data/{r.Key}") ?? throw Bad(path, $"storage '{r.Key}' has no entry {prefix}data/{r.Key}");
            long need = StorageBytes(path, r);
            readBudget -= need;
            if (readBudget < 0) throw Bad(path, "the storages together claim more bytes than the file holds");
            if (entry.Length < need) throw Bad(path, $"entry {entry.FullName} holds {entry.Length} bytes, its storage needs {need}");
            return data[r.Key] = ReadEntry(path, entry, fileLength, need);
        }
        return Materialize(path, StateDictOf(path, root), Bytes, fileLength);
    }

    static long CheckedEntryLength(string path, ZipArchiveEntry e, long fileLength)
    {
        // torch.save stores entries uncompressed; a declared size beyond the file would be a decompression bomb.
        if (e.Length < 0 || e.Length > fileLength) throw Bad(path, $"entry {e.FullName} claims {e.Length} bytes in a {fileLength}-byte file");
        return e.Length;
    }

    static byte[] ReadEntry(string path, ZipArchiveEntry e, long fileLength, long count)
    {
        long n = Math.Min(CheckedEntryLength(path, e, fileLength), count);
        var b = new byte[n];
        using var s = e.Open();
        try { s.ReadExactly(b); }
        catch (EndOfStreamException) { throw Bad(path, $"entry {e.FullName} ends before its {n} bytes"); }
        return b;
    }

    // ---- legacy format ---------------------------------------------------------------------------------

    static OrderedDictionary<string, Tensor> LoadLegacy(string path, FileStream f)
    {
        long fileLength = f.Length;
        object? Next(string what, Func<ScalarType, string, long, object?, StorageRef>? load = null) =>
            new PickleMachine(f, fileLength - f.Position, $"{path} ({what})",
                load ?? ((_, _, _, _) => throw Bad(path, $"storage inside the {what} pickle"))).Run();

        if (Next("magic number") is not BigInteger magic || magic != LegacyMagic) throw Bad(path, "not a torch.save file (magic number differs)");
        if (Next("protocol version") is not long protocol || protocol != LegacyProtocol) throw Bad(path, $"legacy protocol is not {LegacyProtocol}");
        if (Next("sys_info") is not PyDict sys || sys.Get("little_endian") is not true) throw Bad(path, "sys_info missing or not little-endian");
        var storages = new Dictionary<string, StorageRef>();
        var root = Next("state_dict", (dtype, key, numel, view) =>
            view == null ? Storage(path, storages, dtype, key, numel) : throw Bad(path, $"storage views (storage '{key}') are not supported"));
        if (Next("storage keys") is not List<object?> keys || keys.Any(k => k is not string)) throw Bad(path, "storage key list missing");

        // Each storage: int64 element count, then the elements; remember where its bytes start.
        var where = new Dictionary<string, long>();
        Span<byte> count = stackalloc byte[8];
        foreach (string key in keys.Cast<string>())
        {
            if (f.Read(count) != 8) throw Bad(path, $"file ends before storage '{key}'");
            long numel = BinaryPrimitives.ReadInt64LittleEndian(count);
            if (!storages.TryGetValue(key, out var r)) throw Bad(path, $"storage '{key}' is not used by the state_dict");
            long bytes = numel < 0 || numel > fileLength ? -1 : numel * ScalarTypes.ElementSize(r.Dtype);
            if (bytes < 0 || bytes > fileLength - f.Position) throw Bad(path, $"storage '{key}': {numel} elements exceed the file");
            if (numel < r.Numel) throw Bad(path, $"storage '{key}' holds {numel} elements, the pickle says {r.Numel}");
            where[key] = f.Position;
            f.Position += bytes;
        }
        byte[] Bytes(StorageRef r)
        {
            if (!where.TryGetValue(r.Key, out long at)) throw Bad(path, $"storage '{r.Key}' is not in the file's storage list");
            var b = new byte[StorageBytes(path, r)];
            f.Position = at;
            f.ReadExactly(b);
            return b;
        }
        return Materialize(path, StateDictOf(path, root), Bytes, fileLength);
    }

    // ---- shared ----------------------------------------------------------------------------------------

    static StorageRef Storage(string path, Dictionary<string, StorageRef> storages, ScalarType dtype, string key, long numel)
    {
        if (storages.TryGetValue(key, out var known))
        {
            if (known.Dtype != dtype || known.Numel != numel) throw Bad(path, $"storage '{key}' is named with two types or sizes");
            return known;
        }
        return storages[key] = new StorageRef(dtype, key, numel);
    }

    static long StorageBytes(string path, StorageRef r)
    {
        long bytes = r.Numel > Array.MaxLength ? -1 : r.Numel * ScalarTypes.ElementSize(r.Dtype);
        if (bytes < 0 || bytes > Array.MaxLength) throw Bad(path, $"storage '{r.Key}' of {r.Numel} elements is larger than this reader handles (2 GiB)");
        return bytes;
    }

    static PyDict StateDictOf(string path, object? root)
    {
        if (root is not PyDict d) throw Bad(path, "the pickle is not a dict");
        // A training checkpoint ({'epoch': ..., 'state_dict': {...}}) holds the state_dict one level down.
        if (!d.Items.Any(kv => kv.Value is TensorRef))
            foreach (var name in new[] { "state_dict", "model" })
                if (d.Get(name) is PyDict inner) return inner;
        return d;
    }

    static OrderedDictionary<string, Tensor> Materialize(string path, PyDict dict, Func<StorageRef, byte[]> storageBytes, long fileLength)
    {
        var result = new OrderedDictionary<string, Tensor>();
        long budget = 2 * fileLength + (1 << 20);
        try
        {
            foreach (var (k, v) in dict.Items)
            {
                if (k is not string name) throw Bad(path, "a state_dict key is not a string");
                if (v is not TensorRef t) throw Bad(path, $"'{name}' is not a tensor");
                int es = ScalarTypes.ElementSize(t.Storage.Dtype);
                long numel = ElementsOf(path, name, t);
                budget -= numel * es;
                if (budget < 0) throw Bad(path, "the tensors would need more than twice the file's size");
                var src = storageBytes(t.Storage);
                result[name] = Gather(src, es, t, numel);
            }
            return result;
        }
        catch
        {
            foreach (var t in result.Values) t.Dispose();
            throw;
        }
    }

    /// <summary>Element count of a strided view, checked to lie inside its storage.</summary>
    static long ElementsOf(string path, string name, TensorRef t)
    {
        if (t.Size.Length != t.Stride.Length || t.Size.Length > 16) throw Bad(path, $"'{name}': size and stride disagree");
        if (t.Offset < 0) throw Bad(path, $"'{name}': negative storage offset");
        long numel = 1, last = t.Offset;
        try
        {
            for (int d = 0; d < t.Size.Length; d++)
            {
                if (t.Size[d] < 0 || t.Stride[d] < 0) throw Bad(path, $"'{name}': negative size or stride");
                numel = checked(numel * t.Size[d]);
                if (t.Size[d] > 0) last = checked(last + (t.Size[d] - 1) * t.Stride[d]);
            }
        }
        catch (OverflowException) { throw Bad(path, $"'{name}': size overflows"); }
        if (numel > 0 && last >= t.Storage.Numel)
            throw Bad(path, $"'{name}': view [{string.Join(",", t.Size)}] at offset {t.Offset} reaches element {last} of a {t.Storage.Numel}-element storage");
        return numel;
    }

    static Tensor Gather(byte[] src, int es, TensorRef t, long numel)
    {
        int dims = t.Size.Length;
        bool contiguous = true;
        long expect = 1;
        for (int d = dims - 1; d >= 0; d--)
        {
            if (t.Size[d] != 1 && t.Stride[d] != expect) contiguous = false;
            expect *= t.Size[d];
        }
        if (contiguous) return torch.from_bytes(src.AsSpan((int)(t.Offset * es), (int)(numel * es)), t.Storage.Dtype, t.Size);
        // A non-contiguous view (rare in a state_dict): copy it element by element, row-major.
        var dst = new byte[numel * es];
        var index = new long[dims];
        for (long i = 0; i < numel; i++)
        {
            long at = t.Offset;
            for (int d = 0; d < dims; d++) at += index[d] * t.Stride[d];
            Buffer.BlockCopy(src, (int)(at * es), dst, (int)(i * es), es);
            for (int d = dims - 1; d >= 0 && ++index[d] == t.Size[d]; d--) index[d] = 0;
        }
        return torch.from_bytes(dst, t.Storage.Dtype, t.Size);
    }

    static InvalidDataException Bad(string path, string reason) => new($"{path}: not a readable PyTorch state_dict: {reason}");
}
