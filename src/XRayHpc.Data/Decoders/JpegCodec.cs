using System.Runtime.InteropServices;

namespace XRayHpc.Data.Decoders;

/// <summary>
/// JPEG through libjpeg-turbo (TurboJPEG 2 API). Decodes straight to 8-bit gray (TJPF_GRAY: the library
/// converts colour JPEGs with its own YCbCr→luma), at the smallest DCT scale whose output is still at
/// least targetSize on both sides: a 1024 px source for a 224 px cache decodes at 1/4, four times fewer
/// IDCT outputs and none of the full-size buffers.
/// </summary>
public static unsafe class JpegCodec
{
    public static GrayImage Decode(byte[] data, string name, int? targetSize = null)
    {
        var handle = TurboJpeg.tjInitDecompress();
        if (handle == IntPtr.Zero) throw new DataFormatException(name, null, "TurboJPEG: cannot create a decompressor");
        try
        {
            fixed (byte* src = data)
            {
                var size = new CULong((nuint)data.Length);
                if (TurboJpeg.tjDecompressHeader3(handle, src, size, out int w, out int h, out _, out _) != 0)
                    throw new DataFormatException(name, null, $"corrupt JPEG: {TurboJpeg.ErrorText(handle)}");
                if (w <= 0 || h <= 0 || (long)w * h > 1L << 28 || (long)w * h > data.LongLength * 4096 + (1 << 20))
                    throw new DataFormatException(name, null, $"corrupt JPEG: implausible size {w}x{h}");
                var (sw, sh) = ScaledSize(w, h, targetSize);
                var pixels = new byte[sw * sh];
                fixed (byte* dst = pixels)
                {
                    // STOPONWARNING: a truncated or damaged file only raises a libjpeg warning, and would
                    // otherwise come back as a grey-filled image that silently enters the cache.
                    if (TurboJpeg.tjDecompress2(handle, src, size, dst, sw, sw, sh, TurboJpeg.TJPF_GRAY,
                            TurboJpeg.TJFLAG_ACCURATEDCT | TurboJpeg.TJFLAG_STOPONWARNING) != 0)
                        throw new DataFormatException(name, null, $"corrupt JPEG: {TurboJpeg.ErrorText(handle)}");
                }
                return new GrayImage(sw, sh, pixels);
            }
        }
        finally { TurboJpeg.tjDestroy(handle); }
    }

    /// <summary>The smallest of 1/8, 1/4, 1/2, 1 whose scaled size is at least targetSize on both sides.</summary>
    public static (int Width, int Height) ScaledSize(int w, int h, int? targetSize)
    {
        if (targetSize is not { } t || t <= 0) return (w, h);
        foreach (var denom in new[] { 8, 4, 2 })
        {
            int sw = (w + denom - 1) / denom, sh = (h + denom - 1) / denom; // TJSCALED
            if (sw >= t && sh >= t) return (sw, sh);
        }
        return (w, h);
    }

    /// <summary>Encodes 8-bit gray pixels as a baseline JPEG (used by synth).</summary>
    public static byte[] EncodeGray(ReadOnlySpan<byte> pixels, int width, int height, int quality = 90)
    {
        if (pixels.Length != width * height) throw new ArgumentException("pixel count does not match size");
        var handle = TurboJpeg.tjInitCompress();
        if (handle == IntPtr.Zero) throw new InvalidOperationException("TurboJPEG: cannot create a compressor");
        byte* jpeg = null;
        try
        {
            CULong size = default;
            fixed (byte* src = pixels)
            {
                if (TurboJpeg.tjCompress2(handle, src, width, width, height, TurboJpeg.TJPF_GRAY, &jpeg, &size,
                        TurboJpeg.TJSAMP_GRAY, quality, TurboJpeg.TJFLAG_ACCURATEDCT) != 0)
                    throw new InvalidOperationException($"TurboJPEG compress failed: {TurboJpeg.ErrorText(handle)}");
            }
            return new ReadOnlySpan<byte>(jpeg, checked((int)size.Value)).ToArray();
        }
        finally
        {
            if (jpeg != null) TurboJpeg.tjFree(jpeg);
            TurboJpeg.tjDestroy(handle);
        }
    }
}
