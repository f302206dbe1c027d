using System.Buffers.Binary;
using XRayHpc.Data;
using XRayHpc.Data.Decoders;
using XRayHpc.Data.Dicom;

namespace XRayHpc.Serving;

/// <summary>
/// Image dimensions read from the header alone (PNG IHDR, JPEG SOFn, DICOM Rows/Columns), so a 60,000×60,000
/// "decompression bomb" of a few kilobytes is refused before a decoder allocates anything.
/// </summary>
public static class ImageHeader
{
    public static (int Width, int Height) Dimensions(byte[] data) => ImageDecoder.Sniff(data) switch
    {
        ImageFormat.Png => Png(data),
        ImageFormat.Jpeg => Jpeg(data),
        ImageFormat.Dicom => Dicom(data),
        _ => throw new RequestError(422, "not a PNG, JPEG or DICOM image"),
    };

    static (int, int) Png(byte[] d)
    {
        // Signature, then the IHDR chunk must come first: length 13, type, width, height.
        if (d.Length < 8 + 8 + 13 || BinaryPrimitives.ReadUInt32BigEndian(d.AsSpan(8)) != 13 || d[12] != 'I' || d[13] != 'H' || d[14] != 'D' || d[15] != 'R')
            throw new RequestError(422, "PNG without a valid IHDR chunk");
        return (Checked(BinaryPrimitives.ReadUInt32BigEndian(d.AsSpan(16))), Checked(BinaryPrimitives.ReadUInt32BigEndian(d.AsSpan(20))));
    }

    static (int, int) Jpeg(byte[] d)
    {
        int i = 2;
        while (i + 4 <= d.Length)
        {
            if (d[i] != 0xFF) throw new RequestError(422, "JPEG marker expected");
            byte marker = d[i + 1];
            if (marker == 0xFF) { i++; continue; } // fill byte
            if (marker is 0xD8 or 0x01 or (>= 0xD0 and <= 0xD7)) { i += 2; continue; }
            int len = BinaryPrimitives.ReadUInt16BigEndian(d.AsSpan(i + 2));
            if (len < 2) throw new RequestError(422, "JPEG segment length");
            bool sof = marker is >= 0xC0 and <= 0xCF and not 0xC4 and not 0xC8 and not 0xCC;
            if (sof)
            {
                if (i + 9 > d.Length) break;
                return (BinaryPrimitives.ReadUInt16BigEndian(d.AsSpan(i + 7)), BinaryPrimitives.ReadUInt16BigEndian(d.AsSpan(i + 5)));
            }
            if (marker == 0xDA) break; // scan data before a frame header
            i += 2 + len;
        }
        throw new RequestError(422, "JPEG without a frame header");
    }

    static (int, int) Dicom(byte[] d)
    {
        var ds = DicomDataset.Parse(d, "request");
        int? rows = ds.GetUShort(DicomTags.Rows), cols = ds.GetUShort(DicomTags.Columns);
        if (rows is null || cols is null) throw new RequestError(422, "DICOM without Rows/Columns");
        return (cols.Value, rows.Value);
    }

    static int Checked(uint v) => v > int.MaxValue ? int.MaxValue : (int)v;
}
