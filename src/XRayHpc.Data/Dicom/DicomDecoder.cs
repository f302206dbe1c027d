namespace XRayHpc.Data.Dicom;

/// <summary>Managed DICOM parser and pixel pipeline.</summary>
public static class DicomDecoder
{
    public static GrayImage Decode(byte[] data, string name) =>
        throw new DataFormatException(name, null, "DICOM decoding not implemented yet");
}
