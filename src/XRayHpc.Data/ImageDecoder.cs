using XRayHpc.Data.Decoders;
using XRayHpc.Data.Dicom;

namespace XRayHpc.Data;

/// <summary>
/// Decodes JPEG, PNG and DICOM (chosen by content, not extension) to 8-bit grayscale. Any corrupt or
/// unsupported input raises <see cref="DataFormatException"/> naming the file.
/// </summary>
public static class ImageDecoder
{
    /// <param name="targetSize">The size preprocess will resize to; lets JPEG decode at a reduced DCT
    /// scale (1/2, 1/4, 1/8) while both sides stay at least this large.</param>
    public static GrayImage Decode(string path, int? targetSize = null)
    {
        byte[] data;
        try { data = File.ReadAllBytes(path); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new DataFormatException(path, null, $"cannot read image: {e.Message}", e);
        }
        return Decode(data, path, targetSize);
    }

    /// <summary>Decodes bytes already in memory; <paramref name="name"/> is used in error messages.</summary>
    public static GrayImage Decode(byte[] data, string name, int? targetSize = null)
    {
        try
        {
            return Sniff(data) switch
            {
                ImageFormat.Jpeg => JpegCodec.Decode(data, name, targetSize),
                ImageFormat.Png => PngDecoder.Decode(data, name),
                ImageFormat.Dicom => DicomDecoder.Decode(data, name, targetSize),
                _ => throw new DataFormatException(name, null, "not a JPEG, PNG or DICOM file"),
            };
        }
        catch (DataFormatException) { throw; }
        catch (Exception e) when (e is EndOfStreamException or InvalidDataException or IndexOutOfRangeException
                                      or ArgumentException or OverflowException or IOException)
        {
            throw new DataFormatException(name, null, $"corrupt image: {e.Message}", e);
        }
    }

    public static ImageFormat Sniff(ReadOnlySpan<byte> d)
    {
        if (d.Length >= 3 && d[0] == 0xFF && d[1] == 0xD8 && d[2] == 0xFF) return ImageFormat.Jpeg;
        if (d.Length >= 8 && d[..8].SequenceEqual(PngDecoder.Signature)) return ImageFormat.Png;
        if (d.Length >= 132 && d[128] == 'D' && d[129] == 'I' && d[130] == 'C' && d[131] == 'M') return ImageFormat.Dicom;
        // Some DICOM files lack the 128-byte preamble and start directly with a group 0002 or 0008 element.
        if (d.Length >= 8 && (d[0] == 0x02 || d[0] == 0x08) && d[1] == 0x00 && d[3] == 0x00) return ImageFormat.Dicom;
        return ImageFormat.Unknown;
    }
}

public enum ImageFormat { Unknown, Jpeg, Png, Dicom }
