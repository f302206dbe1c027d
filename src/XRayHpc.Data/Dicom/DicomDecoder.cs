using System.Buffers.Binary;
using XRayHpc.Data.Decoders;

namespace XRayHpc.Data.Dicom;

/// <summary>Stored pixel values of the first frame after BitsStored masking and sign extension.</summary>
public sealed record DicomPixels(int Width, int Height, int[] Values, int SamplesPerPixel, string Photometric);

/// <summary>
/// DICOM → 8-bit gray: parse (<see cref="DicomDataset"/>), decode the first frame in its transfer syntax,
/// mask to BitsStored and sign-extend (PixelRepresentation 1), apply RescaleSlope/Intercept, then the
/// first WindowCenter/Width (PS3.3 C.11.2.1.2 linear) or, without one, the frame's min..max; MONOCHROME1
/// is inverted so that bone is always bright.
/// </summary>
public static class DicomDecoder
{
    /// <param name="targetSize">For JPEG baseline (.50) frames: decode at a reduced DCT scale no smaller than this.</param>
    public static GrayImage Decode(byte[] data, string name, int? targetSize = null)
    {
        var ds = DicomDataset.Parse(data, name);
        var px = ReadPixels(ds, name, targetSize);
        double slope = ds.GetDecimal(DicomTags.RescaleSlope) ?? 1.0;
        double intercept = ds.GetDecimal(DicomTags.RescaleIntercept) ?? 0.0;
        if (slope == 0 || double.IsNaN(slope)) slope = 1.0;
        double? center = ds.GetDecimal(DicomTags.WindowCenter), width = ds.GetDecimal(DicomTags.WindowWidth);

        int n = px.Width * px.Height;
        var gray = new double[n];
        if (px.SamplesPerPixel == 3)
        {
            for (int i = 0; i < n; i++)
            {
                int o = i * 3;
                // YBR_FULL stores luma in the first sample already.
                gray[i] = px.Photometric.StartsWith("YBR", StringComparison.Ordinal) ? px.Values[o]
                    : PngDecoder.Luma(px.Values[o], px.Values[o + 1], px.Values[o + 2]);
            }
        }
        else for (int i = 0; i < n; i++) gray[i] = px.Values[i] * slope + intercept;

        var output = new byte[n];
        if (center is { } c && width is { } w && w >= 1)
        {
            // PS3.3 C.11.2.1.2.1: linear VOI window.
            double lo = c - 0.5 - (w - 1) / 2, hi = c - 0.5 + (w - 1) / 2;
            for (int i = 0; i < n; i++)
            {
                double x = gray[i];
                double y = x <= lo ? 0 : x > hi ? 255 : ((x - (c - 0.5)) / (w - 1) + 0.5) * 255;
                output[i] = (byte)Math.Clamp(Math.Round(y), 0, 255);
            }
        }
        else if (px.SamplesPerPixel == 1 && ds.BitsStored() <= 8 && slope == 1 && intercept == 0 && !ds.IsSigned())
        {
            // 8-bit unsigned without a window is already a display image (RSNA's files): keep it as stored.
            for (int i = 0; i < n; i++) output[i] = (byte)gray[i];
        }
        else
        {
            double min = double.MaxValue, max = double.MinValue;
            foreach (var x in gray) { if (x < min) min = x; if (x > max) max = x; }
            double scale = max > min ? 255.0 / (max - min) : 0;
            for (int i = 0; i < n; i++) output[i] = (byte)Math.Clamp(Math.Round((gray[i] - min) * scale), 0, 255);
        }
        if (px.Photometric == "MONOCHROME1")
            for (int i = 0; i < n; i++) output[i] = (byte)(255 - output[i]);
        return new GrayImage(px.Width, px.Height, output);
    }

    /// <summary>Decodes the first frame's stored values (exposed for tests that compare with the source image).</summary>
    public static DicomPixels ReadPixels(DicomDataset ds, string name, int? targetSize = null)
    {
        int rows = ds.GetUShort(DicomTags.Rows) ?? throw Missing(name, "Rows (0028,0010)");
        int cols = ds.GetUShort(DicomTags.Columns) ?? throw Missing(name, "Columns (0028,0011)");
        int bitsAllocated = ds.GetUShort(DicomTags.BitsAllocated) ?? throw Missing(name, "BitsAllocated (0028,0100)");
        int bitsStored = ds.GetUShort(DicomTags.BitsStored) ?? bitsAllocated;
        int highBit = ds.GetUShort(DicomTags.HighBit) ?? bitsStored - 1;
        bool signed = (ds.GetUShort(DicomTags.PixelRepresentation) ?? 0) == 1;
        int spp = ds.GetUShort(DicomTags.SamplesPerPixel) ?? 1;
        int planar = ds.GetUShort(DicomTags.PlanarConfiguration) ?? 0;
        string photometric = ds.GetString(DicomTags.Photometric) ?? "MONOCHROME2";
        if (rows == 0 || cols == 0 || (long)rows * cols * spp > 1L << 28)
            throw new DataFormatException(name, null, $"corrupt DICOM: implausible image size {cols}x{rows}x{spp}");
        if (bitsAllocated is not (8 or 16)) throw new DataFormatException(name, null, $"unsupported DICOM BitsAllocated {bitsAllocated} (8 or 16 supported)");
        if (bitsStored < 1 || bitsStored > bitsAllocated || highBit < bitsStored - 1 || highBit >= bitsAllocated)
            throw new DataFormatException(name, null, $"corrupt DICOM: BitsStored {bitsStored}, HighBit {highBit}, BitsAllocated {bitsAllocated}");
        if (spp is not (1 or 3)) throw new DataFormatException(name, null, $"unsupported DICOM SamplesPerPixel {spp}");
        if (photometric is not ("MONOCHROME1" or "MONOCHROME2" or "RGB" or "YBR_FULL" or "YBR_FULL_422" or "YBR_ICT" or "YBR_RCT"))
            throw new DataFormatException(name, null, $"unsupported DICOM PhotometricInterpretation {photometric}");

        int n = rows * cols * spp;
        int[] values;
        var ts = ds.TransferSyntax;
        switch (ts)
        {
            case TransferSyntaxes.ImplicitVrLittleEndian or TransferSyntaxes.ExplicitVrLittleEndian or TransferSyntaxes.DeflatedExplicitVrLittleEndian:
                if (photometric == "YBR_FULL_422") throw new DataFormatException(name, null, "unsupported native YBR_FULL_422 pixel data");
                values = Native(ds.NativePixelData, n, bitsAllocated, name);
                if (spp == 3 && planar == 1) values = Interleave(values, rows * cols);
                break;
            case TransferSyntaxes.RleLossless:
                values = RleCodec.Decode(FirstFrame(ds), rows * cols, spp, bitsAllocated, name);
                break;
            case TransferSyntaxes.JpegBaseline:
            {
                var img = JpegCodec.Decode(FirstFrame(ds), name, targetSize);
                var (sw, sh) = JpegCodec.ScaledSize(cols, rows, targetSize);
                CheckSize(img.Width, img.Height, sw, sh, name);
                values = Array.ConvertAll(img.Pixels, b => (int)b);
                return new DicomPixels(sw, sh, values, 1, photometric.StartsWith("MONOCHROME", StringComparison.Ordinal) ? photometric : "MONOCHROME2");
            }
            case TransferSyntaxes.JpegExtended or TransferSyntaxes.JpegLossless or TransferSyntaxes.JpegLosslessSv1:
            {
                var img = ManagedJpeg.Decode(FirstFrame(ds), name);
                CheckSize(img.Width, img.Height, cols, rows, name);
                if (img.Components != spp) throw new DataFormatException(name, null, $"corrupt DICOM: JPEG has {img.Components} components, SamplesPerPixel is {spp}");
                values = img.Samples;
                break;
            }
            case TransferSyntaxes.Jpeg2000Lossless or TransferSyntaxes.Jpeg2000:
            {
                var img = OpenJpeg.Decode(FirstFrame(ds), name);
                CheckSize(img.Width, img.Height, cols, rows, name);
                if (img.Components != spp) throw new DataFormatException(name, null, $"corrupt DICOM: JPEG 2000 has {img.Components} components, SamplesPerPixel is {spp}");
                // J2K carries its own sign, and lossy (.91) decoding overshoots the BitsStored range at
                // sharp edges: clamp rather than mask, so a bright edge never wraps around to black.
                values = img.Samples;
                int lo = signed ? -(1 << (bitsStored - 1)) : 0, hi = signed ? (1 << (bitsStored - 1)) - 1 : (1 << bitsStored) - 1;
                for (int i = 0; i < values.Length; i++) values[i] = Math.Clamp(values[i], lo, hi);
                return new DicomPixels(cols, rows, values, spp, photometric);
            }
            default:
                throw new DataFormatException(name, null, $"unsupported transfer syntax {ts} in file");
        }

        int shift = highBit + 1 - bitsStored;
        int mask = (1 << bitsStored) - 1;
        int signBit = 1 << (bitsStored - 1);
        for (int i = 0; i < values.Length; i++)
        {
            int v = (values[i] >> shift) & mask;
            if (signed && (v & signBit) != 0) v -= 1 << bitsStored;
            values[i] = v;
        }
        return new DicomPixels(cols, rows, values, spp, photometric);
    }

    private static byte[] FirstFrame(DicomDataset ds)
    {
        // Single-frame images may be split over several fragments; concatenating them is then the frame.
        // (For multi-frame data without an offset table fragment boundaries would be ambiguous; radiographs are single-frame.)
        var f = ds.Fragments ?? throw new DataFormatException(ds.Name, null,
            $"corrupt DICOM: transfer syntax {ds.TransferSyntax} needs encapsulated pixel data, the file has native pixel data");
        if (f.Count == 1) return f[0].ToArray();
        return f.SelectMany(s => s).ToArray();
    }

    private static int[] Native(ArraySegment<byte> data, int n, int bitsAllocated, string name)
    {
        int bytes = bitsAllocated / 8;
        if (data.Count < (long)n * bytes)
            throw new DataFormatException(name, null, $"corrupt DICOM: pixel data has {data.Count} bytes, the image needs {(long)n * bytes}");
        var values = new int[n];
        var span = data.AsSpan();
        if (bytes == 1) for (int i = 0; i < n; i++) values[i] = span[i];
        else for (int i = 0; i < n; i++) values[i] = BinaryPrimitives.ReadUInt16LittleEndian(span[(2 * i)..]);
        return values;
    }

    private static int[] Interleave(int[] planes, int pixels)
    {
        var o = new int[planes.Length];
        for (int i = 0; i < pixels; i++)
            for (int c = 0; c < 3; c++) o[i * 3 + c] = planes[c * pixels + i];
        return o;
    }

    private static void CheckSize(int w, int h, int cols, int rows, string name)
    {
        if (w != cols || h != rows)
            throw new DataFormatException(name, null, $"corrupt DICOM: compressed frame is {w}x{h}, Rows/Columns say {cols}x{rows}");
    }

    private static int BitsStored(this DicomDataset ds) =>
        ds.GetUShort(DicomTags.BitsStored) ?? ds.GetUShort(DicomTags.BitsAllocated) ?? 16;

    private static bool IsSigned(this DicomDataset ds) => (ds.GetUShort(DicomTags.PixelRepresentation) ?? 0) == 1;

    private static DataFormatException Missing(string name, string what) => new(name, null, $"corrupt DICOM: missing {what}");
}
