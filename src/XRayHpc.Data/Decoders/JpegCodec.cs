namespace XRayHpc.Data.Decoders;

/// <summary>JPEG through libjpeg-turbo's TurboJPEG 2 API.</summary>
public static class JpegCodec
{
    public static GrayImage Decode(byte[] data, string name, int? targetSize = null) =>
        throw new DataFormatException(name, null, "JPEG decoding not implemented yet");
}
