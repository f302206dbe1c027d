using System.Runtime.InteropServices;

namespace XRayHpc.Data.Decoders;

/// <summary>P/Invoke surface of libjpeg-turbo's TurboJPEG 2 API (Debian libturbojpeg0). `unsigned long` is CULong.</summary>
internal static unsafe partial class TurboJpeg
{
    private const string Lib = "libturbojpeg.so.0";

    public const int TJPF_GRAY = 6;
    public const int TJSAMP_GRAY = 3;
    public const int TJFLAG_ACCURATEDCT = 4096;
    public const int TJFLAG_STOPONWARNING = 8192;

    [StructLayout(LayoutKind.Sequential)]
    public struct ScalingFactor { public int Num; public int Denom; }

    [LibraryImport(Lib)] public static partial IntPtr tjInitDecompress();
    [LibraryImport(Lib)] public static partial IntPtr tjInitCompress();
    [LibraryImport(Lib)] public static partial int tjDestroy(IntPtr handle);
    [LibraryImport(Lib)] public static partial IntPtr tjGetErrorStr2(IntPtr handle);
    [LibraryImport(Lib)] public static partial ScalingFactor* tjGetScalingFactors(out int count);
    [LibraryImport(Lib)] public static partial void tjFree(byte* buffer);

    [LibraryImport(Lib)]
    public static partial int tjDecompressHeader3(IntPtr handle, byte* jpegBuf, CULong jpegSize,
        out int width, out int height, out int jpegSubsamp, out int jpegColorspace);

    [LibraryImport(Lib)]
    public static partial int tjDecompress2(IntPtr handle, byte* jpegBuf, CULong jpegSize, byte* dstBuf,
        int width, int pitch, int height, int pixelFormat, int flags);

    [LibraryImport(Lib)]
    public static partial int tjCompress2(IntPtr handle, byte* srcBuf, int width, int pitch, int height, int pixelFormat,
        byte** jpegBuf, CULong* jpegSize, int jpegSubsamp, int jpegQual, int flags);

    public static string ErrorText(IntPtr handle) => Marshal.PtrToStringUTF8(tjGetErrorStr2(handle)) ?? "unknown TurboJPEG error";
}
