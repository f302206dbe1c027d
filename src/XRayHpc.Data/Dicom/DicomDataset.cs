using System.Buffers.Binary;
using System.Globalization;
using System.IO.Compression;
using System.Text;

namespace XRayHpc.Data.Dicom;

/// <summary>
/// A parsed DICOM Part 10 file: the top-level elements (values referenced in place) and the pixel data,
/// native or as encapsulated fragments. Reads explicit and implicit VR little endian and deflated explicit
/// VR little endian; skips sequences of defined and undefined length (nested items included). Big endian
/// (retired) is refused with a clear error.
/// </summary>
public sealed class DicomDataset
{
    private readonly record struct Element(string Vr, int Offset, int Length);

    private readonly string _name;
    private byte[] _data;
    private readonly Dictionary<uint, Element> _elements = new();

    /// <summary>The file name used in error messages.</summary>
    public string Name => _name;
    public string TransferSyntax { get; private set; } = TransferSyntaxes.ImplicitVrLittleEndian;
    /// <summary>Encapsulated pixel data fragments (basic offset table excluded); null for native pixel data.</summary>
    public List<ArraySegment<byte>>? Fragments { get; private set; }

    private DicomDataset(byte[] data, string name)
    {
        _data = data;
        _name = name;
    }

    public static DicomDataset Parse(byte[] data, string name)
    {
        var ds = new DicomDataset(data, name);
        ds.ParseFile();
        return ds;
    }

    /// <summary>
    /// Reads header elements from the start of a file without decoding pixels (e.g. ViewPosition for an
    /// adapter). Best effort: returns whatever was parsed before the prefix ended or the file went bad;
    /// null when the file cannot be read at all. Decoding reports real errors later.
    /// </summary>
    public static DicomDataset? TryReadHeader(string path, int prefixBytes = 64 * 1024)
    {
        byte[] prefix;
        try
        {
            using var f = File.OpenRead(path);
            prefix = new byte[(int)Math.Min(prefixBytes, f.Length)];
            f.ReadExactly(prefix);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { return null; }
        var ds = new DicomDataset(prefix, path);
        try { ds.ParseFile(); }
        catch (Exception e) when (e is DataFormatException or InvalidDataException or IndexOutOfRangeException or ArgumentException) { }
        return ds;
    }

    private DataFormatException Corrupt(string reason) => new(_name, null, $"corrupt DICOM: {reason}");

    private void ParseFile()
    {
        int pos = _data.Length >= 132 && _data.AsSpan(128, 4).SequenceEqual("DICM"u8) ? 132 : 0;
        // File meta information (group 0002) is always explicit VR little endian.
        while (pos + 8 <= _data.Length && BinaryPrimitives.ReadUInt16LittleEndian(_data.AsSpan(pos)) == 0x0002)
            pos = ReadElement(pos, explicitVr: true, store: true, depth: 0);
        if (_elements.ContainsKey(DicomTags.TransferSyntax)) TransferSyntax = GetString(DicomTags.TransferSyntax) ?? "";
        else if (pos + 6 <= _data.Length && IsVr(_data[pos + 4], _data[pos + 5])) TransferSyntax = TransferSyntaxes.ExplicitVrLittleEndian;

        if (TransferSyntax == TransferSyntaxes.ExplicitVrBigEndian)
            throw new DataFormatException(_name, null, $"unsupported transfer syntax {TransferSyntax} (explicit VR big endian, retired) in file");
        if (TransferSyntax == TransferSyntaxes.DeflatedExplicitVrLittleEndian)
        {
            // Everything after the meta group is one raw deflate stream (no zlib header).
            var inflated = new MemoryStream();
            using (var z = new DeflateStream(new MemoryStream(_data, pos, _data.Length - pos), CompressionMode.Decompress))
                z.CopyTo(inflated);
            var meta = _data.AsSpan(0, pos).ToArray();
            _data = [.. meta, .. inflated.ToArray()];
        }
        bool explicitVr = TransferSyntax != TransferSyntaxes.ImplicitVrLittleEndian;
        while (pos < _data.Length)
        {
            if (pos + 8 > _data.Length) break; // trailing padding shorter than a header
            pos = ReadElement(pos, explicitVr, store: true, depth: 0);
            if (_elements.ContainsKey(DicomTags.PixelData)) break;
        }
        if (!_elements.ContainsKey(DicomTags.PixelData) && Fragments is null)
            throw new DataFormatException(_name, null, "DICOM file has no pixel data (7FE0,0010)");
    }

    private static bool IsVr(byte a, byte b) => a is >= (byte)'A' and <= (byte)'Z' && b is >= (byte)'A' and <= (byte)'Z';

    /// <summary>Reads one element at pos and returns the position after it.</summary>
    private int ReadElement(int pos, bool explicitVr, bool store, int depth)
    {
        if (depth > 32) throw Corrupt("sequences nested too deeply");
        if (pos + 8 > _data.Length) throw Corrupt($"truncated element header at byte {pos}");
        uint tag = (uint)BinaryPrimitives.ReadUInt16LittleEndian(_data.AsSpan(pos)) << 16 | BinaryPrimitives.ReadUInt16LittleEndian(_data.AsSpan(pos + 2));
        string vr;
        long length;
        int header;
        if (tag is DicomTags.Item or DicomTags.ItemDelimitation or DicomTags.SequenceDelimitation)
        {
            vr = "";
            length = BinaryPrimitives.ReadUInt32LittleEndian(_data.AsSpan(pos + 4));
            header = 8;
        }
        else if (explicitVr)
        {
            if (!IsVr(_data[pos + 4], _data[pos + 5])) throw Corrupt($"invalid VR at byte {pos + 4} for tag {Tag(tag)}");
            vr = Encoding.ASCII.GetString(_data, pos + 4, 2);
            if (DicomVr.HasLongLength(vr))
            {
                if (pos + 12 > _data.Length) throw Corrupt($"truncated element header at byte {pos}");
                length = BinaryPrimitives.ReadUInt32LittleEndian(_data.AsSpan(pos + 8));
                header = 12;
            }
            else
            {
                length = BinaryPrimitives.ReadUInt16LittleEndian(_data.AsSpan(pos + 6));
                header = 8;
            }
        }
        else
        {
            vr = tag == DicomTags.PixelData ? "OW" : "";
            length = BinaryPrimitives.ReadUInt32LittleEndian(_data.AsSpan(pos + 4));
            header = 8;
        }
        int valuePos = pos + header;
        if (length == 0xFFFFFFFF)
        {
            if (tag == DicomTags.PixelData && depth == 0) return ReadFragments(valuePos);
            // Undefined length: a sequence (SQ, or UN which is then implicit VR inside, PS3.5 6.2.2).
            return SkipSequence(valuePos, explicitVr && vr != "UN", depth + 1);
        }
        if (valuePos + length > _data.Length)
            throw Corrupt($"element {Tag(tag)} at byte {pos} has length {length}, past the end of the file ({_data.Length} bytes)");
        if (store && depth == 0 && vr != "SQ") _elements[tag] = new Element(vr, valuePos, (int)length);
        return valuePos + (int)length;
    }

    private int SkipSequence(int pos, bool explicitVr, int depth)
    {
        while (true)
        {
            if (pos + 8 > _data.Length) throw Corrupt("sequence of undefined length is not terminated");
            uint tag = (uint)BinaryPrimitives.ReadUInt16LittleEndian(_data.AsSpan(pos)) << 16 | BinaryPrimitives.ReadUInt16LittleEndian(_data.AsSpan(pos + 2));
            uint len = BinaryPrimitives.ReadUInt32LittleEndian(_data.AsSpan(pos + 4));
            pos += 8;
            if (tag == DicomTags.SequenceDelimitation) return pos;
            if (tag != DicomTags.Item) throw Corrupt($"expected an item in a sequence, found {Tag(tag)} at byte {pos - 8}");
            if (len != 0xFFFFFFFF)
            {
                if (pos + (long)len > _data.Length) throw Corrupt($"sequence item at byte {pos - 8} runs past the end of the file");
                pos += (int)len;
                continue;
            }
            while (true) // item of undefined length: elements until the item delimiter
            {
                if (pos + 8 > _data.Length) throw Corrupt("sequence item of undefined length is not terminated");
                uint t = (uint)BinaryPrimitives.ReadUInt16LittleEndian(_data.AsSpan(pos)) << 16 | BinaryPrimitives.ReadUInt16LittleEndian(_data.AsSpan(pos + 2));
                if (t == DicomTags.ItemDelimitation) { pos += 8; break; }
                pos = ReadElement(pos, explicitVr, store: false, depth);
            }
        }
    }

    private int ReadFragments(int pos)
    {
        var fragments = new List<ArraySegment<byte>>();
        bool first = true;
        while (true)
        {
            if (pos + 8 > _data.Length) throw Corrupt("encapsulated pixel data is not terminated");
            uint tag = (uint)BinaryPrimitives.ReadUInt16LittleEndian(_data.AsSpan(pos)) << 16 | BinaryPrimitives.ReadUInt16LittleEndian(_data.AsSpan(pos + 2));
            uint len = BinaryPrimitives.ReadUInt32LittleEndian(_data.AsSpan(pos + 4));
            pos += 8;
            if (tag == DicomTags.SequenceDelimitation) break;
            if (tag != DicomTags.Item) throw Corrupt($"expected a pixel data fragment, found {Tag(tag)} at byte {pos - 8}");
            if (pos + (long)len > _data.Length) throw Corrupt($"pixel data fragment at byte {pos - 8} runs past the end of the file");
            if (!first) fragments.Add(new ArraySegment<byte>(_data, pos, (int)len)); // the first item is the basic offset table
            first = false;
            pos += (int)len;
        }
        if (fragments.Count == 0) throw Corrupt("encapsulated pixel data has no fragments");
        Fragments = fragments;
        _elements[DicomTags.PixelData] = new Element("OB", 0, 0);
        return pos;
    }

    private static string Tag(uint t) => $"({t >> 16:X4},{t & 0xFFFF:X4})";

    public bool Contains(uint tag) => _elements.ContainsKey(tag);

    public ReadOnlySpan<byte> Raw(uint tag) =>
        _elements.TryGetValue(tag, out var e) ? _data.AsSpan(e.Offset, e.Length) : default;

    public ArraySegment<byte> NativePixelData =>
        _elements.TryGetValue(DicomTags.PixelData, out var e) && Fragments is null
            ? new ArraySegment<byte>(_data, e.Offset, e.Length) : throw Corrupt("no native pixel data");

    public string? GetString(uint tag) =>
        _elements.ContainsKey(tag) ? Encoding.ASCII.GetString(Raw(tag)).TrimEnd('\0', ' ').TrimStart(' ') : null;

    /// <summary>Like <see cref="GetString"/>, but null for an empty value too.</summary>
    public string? GetStringOrNull(uint tag) => GetString(tag) is { Length: > 0 } v ? v : null;

    public int? GetUShort(uint tag)
    {
        var r = Raw(tag);
        if (!_elements.ContainsKey(tag)) return null;
        if (r.Length < 2) throw Corrupt($"element {Tag(tag)} is too short for a US value");
        return BinaryPrimitives.ReadUInt16LittleEndian(r);
    }

    /// <summary>The index-th value of a DS or IS (backslash-separated decimal strings).</summary>
    public double? GetDecimal(uint tag, int index = 0)
    {
        var s = GetString(tag);
        if (string.IsNullOrWhiteSpace(s)) return null;
        var parts = s.Split('\\');
        if (index >= parts.Length) return null;
        return double.TryParse(parts[index].Trim(), NumberStyles.Float, CultureInfo.InvariantCulture, out var v)
            ? v : throw Corrupt($"unparseable decimal '{parts[index]}' in {Tag(tag)}");
    }
}
