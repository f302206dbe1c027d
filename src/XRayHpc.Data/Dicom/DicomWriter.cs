using System.Buffers.Binary;
using System.Text;

namespace XRayHpc.Data.Dicom;

/// <summary>
/// A minimal DICOM Part 10 writer: explicit VR little endian, native (uncompressed) pixel data. Used by
/// synth (RSNA layout) and by tests to make source files that dcmtk then converts to other syntaxes.
/// </summary>
public sealed class DicomWriter
{
    private readonly SortedDictionary<uint, (string Vr, byte[] Value)> _elements = new();
    private byte[]? _fragment;
    private string _transferSyntax = TransferSyntaxes.ExplicitVrLittleEndian;

    public DicomWriter String(uint tag, string vr, string value)
    {
        var bytes = Encoding.ASCII.GetBytes(value);
        // UI values pad with NUL, text values with space, to an even length.
        if ((bytes.Length & 1) == 1) bytes = [.. bytes, vr == "UI" ? (byte)0 : (byte)' '];
        _elements[tag] = (vr, bytes);
        return this;
    }

    public DicomWriter UShort(uint tag, ushort value)
    {
        var b = new byte[2];
        BinaryPrimitives.WriteUInt16LittleEndian(b, value);
        _elements[tag] = ("US", b);
        return this;
    }

    public DicomWriter Bytes(uint tag, string vr, byte[] value)
    {
        if ((value.Length & 1) == 1) value = [.. value, 0];
        _elements[tag] = (vr, value);
        return this;
    }

    /// <summary>Sets the image pixel module for a single-frame grayscale image.</summary>
    public DicomWriter Pixels(int rows, int columns, int bitsAllocated, int bitsStored, bool signed, byte[] pixelData,
        string photometric = "MONOCHROME2")
    {
        UShort(DicomTags.SamplesPerPixel, 1);
        String(DicomTags.Photometric, "CS", photometric);
        UShort(DicomTags.Rows, (ushort)rows);
        UShort(DicomTags.Columns, (ushort)columns);
        UShort(DicomTags.BitsAllocated, (ushort)bitsAllocated);
        UShort(DicomTags.BitsStored, (ushort)bitsStored);
        UShort(DicomTags.HighBit, (ushort)(bitsStored - 1));
        UShort(DicomTags.PixelRepresentation, (ushort)(signed ? 1 : 0));
        return Bytes(DicomTags.PixelData, bitsAllocated > 8 ? "OW" : "OB", pixelData);
    }

    /// <summary>Replaces native pixel data by one compressed frame (encapsulated: empty offset table, one
    /// fragment) and declares its transfer syntax, e.g. a TurboJPEG baseline frame with <see cref="TransferSyntaxes.JpegBaseline"/>.</summary>
    public DicomWriter Encapsulated(string transferSyntax, byte[] frame)
    {
        _elements.Remove(DicomTags.PixelData);
        _fragment = (frame.Length & 1) == 1 ? [.. frame, 0] : frame;
        _transferSyntax = transferSyntax;
        return this;
    }

    public byte[] ToBytes(string sopClassUid = "1.2.840.10008.5.1.4.1.1.7", string? sopInstanceUid = null)
    {
        sopInstanceUid ??= _elements.TryGetValue(DicomTags.SopInstanceUid, out var e)
            ? Encoding.ASCII.GetString(e.Value).TrimEnd('\0', ' ') : "2.25.1";
        if (!_elements.ContainsKey(DicomTags.SopClassUid)) String(DicomTags.SopClassUid, "UI", sopClassUid);
        if (!_elements.ContainsKey(DicomTags.SopInstanceUid)) String(DicomTags.SopInstanceUid, "UI", sopInstanceUid);

        var meta = new DicomWriter()
            .Bytes(DicomTags.FileMetaVersion, "OB", [0, 1])
            .String(DicomTags.MediaStorageSopClass, "UI", sopClassUid)
            .String(DicomTags.MediaStorageSopInstance, "UI", sopInstanceUid)
            .String(DicomTags.TransferSyntax, "UI", _transferSyntax)
            .String(DicomTags.ImplementationClass, "UI", "2.25.299792458.1")
            .String(DicomTags.ImplementationVersion, "SH", "XRAYHPC_1");
        var metaBody = new MemoryStream();
        meta.WriteElements(metaBody);

        var ms = new MemoryStream();
        ms.Write(new byte[128]);
        ms.Write("DICM"u8);
        var groupLength = new byte[4];
        BinaryPrimitives.WriteUInt32LittleEndian(groupLength, (uint)metaBody.Length);
        WriteElement(ms, DicomTags.FileMetaGroupLength, "UL", groupLength);
        metaBody.WriteTo(ms);
        WriteElements(ms);
        if (_fragment is not null) WriteFragments(ms, _fragment);
        return ms.ToArray();
    }

    private void WriteElements(Stream s)
    {
        foreach (var (tag, (vr, value)) in _elements) WriteElement(s, tag, vr, value);
    }

    private static void WriteFragments(Stream s, byte[] frame)
    {
        Span<byte> h = stackalloc byte[12];
        BinaryPrimitives.WriteUInt32LittleEndian(h, 0x00107FE0); // (7FE0,0010) as two LE uint16
        h[4] = (byte)'O'; h[5] = (byte)'B'; h[6] = h[7] = 0;
        BinaryPrimitives.WriteUInt32LittleEndian(h[8..], 0xFFFFFFFF);
        s.Write(h);
        WriteItem(s, 0xE000, []);    // empty basic offset table
        WriteItem(s, 0xE000, frame);
        WriteItem(s, 0xE0DD, []);    // sequence delimiter
    }

    private static void WriteItem(Stream s, ushort element, ReadOnlySpan<byte> value)
    {
        Span<byte> h = stackalloc byte[8];
        BinaryPrimitives.WriteUInt16LittleEndian(h, 0xFFFE);
        BinaryPrimitives.WriteUInt16LittleEndian(h[2..], element);
        BinaryPrimitives.WriteUInt32LittleEndian(h[4..], (uint)value.Length);
        s.Write(h);
        s.Write(value);
    }

    private static void WriteElement(Stream s, uint tag, string vr, byte[] value)
    {
        Span<byte> h = stackalloc byte[12];
        BinaryPrimitives.WriteUInt16LittleEndian(h, (ushort)(tag >> 16));
        BinaryPrimitives.WriteUInt16LittleEndian(h[2..], (ushort)tag);
        h[4] = (byte)vr[0];
        h[5] = (byte)vr[1];
        if (DicomVr.HasLongLength(vr))
        {
            h[6] = h[7] = 0;
            BinaryPrimitives.WriteUInt32LittleEndian(h[8..], (uint)value.Length);
            s.Write(h[..12]);
        }
        else
        {
            BinaryPrimitives.WriteUInt16LittleEndian(h[6..], checked((ushort)value.Length));
            s.Write(h[..8]);
        }
        s.Write(value);
    }
}

internal static class DicomVr
{
    /// <summary>VRs whose explicit-VR header has 2 reserved bytes and a 32-bit length (PS3.5 7.1.2).</summary>
    public static bool HasLongLength(string vr) => vr is "OB" or "OD" or "OF" or "OL" or "OV" or "OW" or "SQ"
        or "UC" or "UN" or "UR" or "UT" or "SV" or "UV";
}
