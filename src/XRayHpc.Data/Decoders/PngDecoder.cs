namespace XRayHpc.Data.Decoders;

/// <summary>Managed PNG decoder over ZLibStream.</summary>
public static class PngDecoder
{
    public static ReadOnlySpan<byte> Signature => [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A];

    public static GrayImage Decode(byte[] data, string name) =>
        throw new DataFormatException(name, null, "PNG decoding not implemented yet");
}
