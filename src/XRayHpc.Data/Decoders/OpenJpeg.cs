using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace XRayHpc.Data.Decoders;

/// <summary>Decoded JPEG 2000 samples (components interleaved), signed when the codestream says so.</summary>
public sealed record J2kSamples(int Width, int Height, int Components, int Precision, bool Signed, int[] Samples);

/// <summary>
/// JPEG 2000 (DICOM .90/.91) through OpenJPEG 2.5 (Debian libopenjp2-7), reading from memory with a
/// custom stream so no temporary file is needed.
/// </summary>
public static unsafe partial class OpenJpeg
{
    private const string Lib = "libopenjp2.so.7";
    private const int CodecJ2k = 0, CodecJp2 = 2;

    [StructLayout(LayoutKind.Sequential)]
    private struct ImageComp
    {
        public uint Dx, Dy, W, H, X0, Y0, Prec, Bpp, Sgnd, ResnoDecoded, Factor;
        public int* Data;
        public ushort Alpha;
    }

    [StructLayout(LayoutKind.Sequential)]
    private struct Image
    {
        public uint X0, Y0, X1, Y1, NumComps;
        public int ColorSpace;
        public ImageComp* Comps;
        public byte* IccProfileBuf;
        public uint IccProfileLen;
    }

    private struct Source { public byte* Data; public long Length; public long Pos; }

    [LibraryImport(Lib)] private static partial IntPtr opj_create_decompress(int format);
    [LibraryImport(Lib)] private static partial void opj_set_default_decoder_parameters(byte* parameters);
    [LibraryImport(Lib)] private static partial int opj_setup_decoder(IntPtr codec, byte* parameters);
    [LibraryImport(Lib)] private static partial IntPtr opj_stream_default_create(int isInput);
    [LibraryImport(Lib)] private static partial void opj_stream_set_read_function(IntPtr stream, delegate* unmanaged<byte*, nuint, Source*, nuint> f);
    [LibraryImport(Lib)] private static partial void opj_stream_set_skip_function(IntPtr stream, delegate* unmanaged<long, Source*, long> f);
    [LibraryImport(Lib)] private static partial void opj_stream_set_seek_function(IntPtr stream, delegate* unmanaged<long, Source*, int> f);
    [LibraryImport(Lib)] private static partial void opj_stream_set_user_data(IntPtr stream, Source* data, IntPtr freeFn);
    [LibraryImport(Lib)] private static partial void opj_stream_set_user_data_length(IntPtr stream, ulong length);
    [LibraryImport(Lib)] private static partial int opj_read_header(IntPtr stream, IntPtr codec, Image** image);
    [LibraryImport(Lib)] private static partial int opj_decode(IntPtr codec, IntPtr stream, Image* image);
    [LibraryImport(Lib)] private static partial int opj_end_decompress(IntPtr codec, IntPtr stream);
    [LibraryImport(Lib)] private static partial void opj_image_destroy(Image* image);
    [LibraryImport(Lib)] private static partial void opj_stream_destroy(IntPtr stream);
    [LibraryImport(Lib)] private static partial void opj_destroy_codec(IntPtr codec);
    [LibraryImport(Lib)] private static partial int opj_set_error_handler(IntPtr codec, delegate* unmanaged<byte*, IntPtr, void> f, IntPtr user);

    [ThreadStatic] private static string? _lastError;

    [UnmanagedCallersOnly]
    private static nuint Read(byte* buffer, nuint size, Source* src)
    {
        long left = src->Length - src->Pos;
        if (left <= 0) return unchecked((nuint)(-1));
        long n = Math.Min(left, (long)size);
        Buffer.MemoryCopy(src->Data + src->Pos, buffer, (long)size, n);
        src->Pos += n;
        return (nuint)n;
    }

    [UnmanagedCallersOnly]
    private static long Skip(long n, Source* src)
    {
        long target = Math.Clamp(src->Pos + n, 0, src->Length);
        long moved = target - src->Pos;
        src->Pos = target;
        return moved;
    }

    [UnmanagedCallersOnly]
    private static int Seek(long n, Source* src)
    {
        if (n < 0 || n > src->Length) return 0;
        src->Pos = n;
        return 1;
    }

    [UnmanagedCallersOnly]
    private static void OnError(byte* msg, IntPtr user) => _lastError ??= Marshal.PtrToStringUTF8((IntPtr)msg)?.Trim();

    public static J2kSamples Decode(byte[] data, string name)
    {
        if (data.Length < 12) throw new DataFormatException(name, null, "corrupt JPEG 2000: too short");
        // A raw codestream starts with SOC+SIZ (FF4F FF51); a JP2 file with its signature box.
        bool jp2 = data[0] == 0 && data[1] == 0 && data[2] == 0 && data[3] == 0x0C;
        var codec = opj_create_decompress(jp2 ? CodecJp2 : CodecJ2k);
        if (codec == IntPtr.Zero) throw new DataFormatException(name, null, "OpenJPEG: cannot create a decoder");
        IntPtr stream = IntPtr.Zero;
        Image* image = null;
        var parameters = (byte*)NativeMemory.AllocZeroed(64 * 1024); // opj_dparameters_t is ~8.3 KB; generous room
        _lastError = null;
        try
        {
            opj_set_error_handler(codec, &OnError, IntPtr.Zero);
            opj_set_default_decoder_parameters(parameters);
            if (opj_setup_decoder(codec, parameters) == 0) throw new DataFormatException(name, null, "OpenJPEG: decoder setup failed");
            fixed (byte* p = data)
            {
                var src = new Source { Data = p, Length = data.Length, Pos = 0 };
                stream = opj_stream_default_create(1);
                opj_stream_set_read_function(stream, &Read);
                opj_stream_set_skip_function(stream, &Skip);
                opj_stream_set_seek_function(stream, &Seek);
                opj_stream_set_user_data(stream, &src, IntPtr.Zero);
                opj_stream_set_user_data_length(stream, (ulong)data.Length);
                if (opj_read_header(stream, codec, &image) == 0 || image == null) throw Fail(name, "cannot read the header");
                if (opj_decode(codec, stream, image) == 0 || opj_end_decompress(codec, stream) == 0) throw Fail(name, "decoding failed");
            }
            int nc = (int)image->NumComps;
            if (nc is not (1 or 3)) throw new DataFormatException(name, null, $"unsupported JPEG 2000: {nc} components");
            var c0 = image->Comps[0];
            int w = (int)c0.W, h = (int)c0.H;
            if (w <= 0 || h <= 0 || c0.Data == null) throw Fail(name, "empty image");
            var samples = new int[w * h * nc];
            for (int c = 0; c < nc; c++)
            {
                var comp = image->Comps[c];
                if (comp.W != c0.W || comp.H != c0.H || comp.Data == null) throw new DataFormatException(name, null, "unsupported JPEG 2000: subsampled components");
                for (int i = 0; i < w * h; i++) samples[i * nc + c] = comp.Data[i];
            }
            return new J2kSamples(w, h, nc, (int)c0.Prec, c0.Sgnd != 0, samples);
        }
        finally
        {
            if (image != null) opj_image_destroy(image);
            if (stream != IntPtr.Zero) opj_stream_destroy(stream);
            opj_destroy_codec(codec);
            NativeMemory.Free(parameters);
        }
    }

    private static DataFormatException Fail(string name, string what) =>
        new(name, null, $"corrupt JPEG 2000: {what}{(_lastError is { } e ? $" ({e})" : "")}");
}
