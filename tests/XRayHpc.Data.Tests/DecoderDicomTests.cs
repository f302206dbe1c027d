using XRayHpc.Data.Dicom;
using Xunit;

namespace XRayHpc.Data.Tests;

/// <summary>
/// Every transfer syntax the decoder claims is checked against a file made by a reference tool (dcmtk's
/// dcmconv/dcmcrle/dcmcjpeg, gdcm's gdcmconv) from a source we write: lossless syntaxes must give back the
/// source's stored values exactly, lossy ones must match the tool's own decode, and the 8-bit display
/// pipeline must match dcmtk's dcm2pnm.
/// </summary>
public class DecoderDicomTests
{
    const int W = 70, H = 52;

    /// <summary>A smooth 12-bit image with noise and a bright disc (like an exposed radiograph).</summary>
    static ushort[] Source12(int bits = 12)
    {
        var v = new ushort[W * H];
        int max = (1 << bits) - 1;
        for (int y = 0; y < H; y++)
            for (int x = 0; x < W; x++)
            {
                double d = Math.Sqrt((x - 30) * (x - 30) + (y - 25) * (y - 25));
                double val = 0.2 * max + 0.5 * max * x / W + (d < 12 ? 0.25 * max : 0) + ((x * 7919 + y * 104729) % 97 - 48) * max / 2000.0;
                v[y * W + x] = (ushort)Math.Clamp((int)val, 0, max);
            }
        return v;
    }

    static byte[] Bytes16(ushort[] v)
    {
        var b = new byte[v.Length * 2];
        for (int i = 0; i < v.Length; i++) { b[2 * i] = (byte)v[i]; b[2 * i + 1] = (byte)(v[i] >> 8); }
        return b;
    }

    static DicomWriter Source(ushort[] values, int bitsStored, bool signed = false, string photometric = "MONOCHROME2") =>
        new DicomWriter()
            .String(DicomTags.Modality, "CS", "DX")
            .String(DicomTags.PatientName, "PN", "TEST^PHANTOM")
            .Pixels(H, W, 16, bitsStored, signed, Bytes16(values), photometric);

    static int[] Stored(string path) => DicomDecoder.ReadPixels(DicomDataset.Parse(File.ReadAllBytes(path), path), path).Values;

    static string TransferSyntax(string path) => DicomDataset.Parse(File.ReadAllBytes(path), path).TransferSyntax;

    [Theory]
    [InlineData("explicit", null, null, TransferSyntaxes.ExplicitVrLittleEndian)]
    [InlineData("implicit", "dcmconv", "+ti", TransferSyntaxes.ImplicitVrLittleEndian)]
    [InlineData("deflated", "dcmconv", "+td", TransferSyntaxes.DeflatedExplicitVrLittleEndian)]
    [InlineData("rle", "dcmcrle", null, TransferSyntaxes.RleLossless)]
    [InlineData("jpeg-lossless-sv1", "dcmcjpeg", "+e1", TransferSyntaxes.JpegLosslessSv1)]
    [InlineData("jpeg-lossless-sv6", "dcmcjpeg", "+el", TransferSyntaxes.JpegLossless)]
    [InlineData("j2k-lossless", "gdcmconv", "--j2k", TransferSyntaxes.Jpeg2000Lossless)]
    public void Decoder_Dicom_LosslessSyntaxes_GiveBackSourceValues(string name, string? tool, string? option, string expectedSyntax)
    {
        using var tmp = new TempDir();
        var values = Source12();
        var src = tmp["src.dcm"];
        File.WriteAllBytes(src, Source(values, 12).ToBytes());
        var path = src;
        if (tool is not null)
        {
            path = tmp[name + ".dcm"];
            var args = new List<string>();
            if (tool == "gdcmconv") args.AddRange(["-i", src, "-o", path, option!]);
            else
            {
                if (option is not null) args.Add(option);
                if (name == "jpeg-lossless-sv6") args.AddRange(["+sv", "6"]);
                args.AddRange([src, path]);
            }
            RefTool.Run("/usr/bin/" + tool, [.. args]);
        }
        Assert.Equal(expectedSyntax, TransferSyntax(path));
        Assert.Equal(values.Select(v => (int)v).ToArray(), Stored(path));
    }

    [Fact]
    public void Decoder_Dicom_Rle8Bit_GivesBackSourceValues()
    {
        using var tmp = new TempDir();
        var pixels = Source12(8).Select(v => (byte)v).ToArray();
        var src = tmp["src8.dcm"];
        File.WriteAllBytes(src, new DicomWriter().Pixels(H, W, 8, 8, false, pixels).ToBytes());
        RefTool.Run("/usr/bin/dcmcrle", src, tmp["rle8.dcm"]);
        Assert.Equal(TransferSyntaxes.RleLossless, TransferSyntax(tmp["rle8.dcm"]));
        Assert.Equal(pixels.Select(v => (int)v).ToArray(), Stored(tmp["rle8.dcm"]));
    }

    /// <summary>Lossy syntaxes: our decode equals dcmtk's/gdcm's own decompression of the same file.</summary>
    [Theory]
    [InlineData("jpeg-extended-12bit", 12, TransferSyntaxes.JpegExtended, 1)]
    [InlineData("jpeg-baseline-8bit", 8, TransferSyntaxes.JpegBaseline, 1)]
    [InlineData("j2k-lossy", 12, TransferSyntaxes.Jpeg2000, 0)]
    public void Decoder_Dicom_LossySyntaxes_MatchToolDecode(string name, int bits, string expectedSyntax, int tolerance)
    {
        using var tmp = new TempDir();
        var src = tmp["src.dcm"];
        var lossy = tmp[name + ".dcm"];
        var back = tmp[name + "-decoded.dcm"];
        if (bits == 8)
            File.WriteAllBytes(src, new DicomWriter().Pixels(H, W, 8, 8, false, Source12(8).Select(v => (byte)v).ToArray()).ToBytes());
        else
            File.WriteAllBytes(src, Source(Source12(), 12).ToBytes());
        if (name.StartsWith("j2k"))
        {
            RefTool.Run("/usr/bin/gdcmconv", "-i", src, "-o", lossy, "--j2k", "--lossy", "--irreversible", "-r", "5");
            RefTool.Run("/usr/bin/gdcmconv", "-i", lossy, "-o", back, "--raw");
        }
        else
        {
            RefTool.Run("/usr/bin/dcmcjpeg", bits == 8 ? "+eb" : "+ee", src, lossy);
            RefTool.Run("/usr/bin/dcmdjpeg", lossy, back);
        }
        Assert.Equal(expectedSyntax, TransferSyntax(lossy));
        var ours = Stored(lossy);
        var reference = Stored(back);
        // gdcm's raw output widens BitsStored to 16 and keeps the lossy overshoot; the decoder clamps to BitsStored.
        if (name.StartsWith("j2k")) reference = reference.Select(v => Math.Clamp(v, 0, (1 << bits) - 1)).ToArray();
        var original = bits == 8 ? Source12(8).Select(v => (int)v).ToArray() : Source12().Select(v => (int)v).ToArray();
        int worst = 0;
        for (int i = 0; i < ours.Length; i++) worst = Math.Max(worst, Math.Abs(ours[i] - reference[i]));
        Assert.True(worst <= tolerance, $"{name}: max |ours - tool| = {worst}");
        // And it really is lossy-but-close (guards against comparing a file with itself).
        Assert.True(ours.Zip(original).Any(p => p.First != p.Second) || name.StartsWith("jpeg-baseline"), $"{name} decoded exactly: not lossy?");
    }

    /// <summary>The 8-bit display pipeline against dcm2pnm: window from the file, min/max without one,
    /// MONOCHROME1 inversion, signed pixels with rescale.</summary>
    [Theory]
    [InlineData("window", "MONOCHROME2", false, true)]
    [InlineData("minmax", "MONOCHROME2", false, false)]
    [InlineData("mono1-window", "MONOCHROME1", false, true)]
    [InlineData("signed-rescale-window", "MONOCHROME2", true, true)]
    public void Decoder_Dicom_DisplayPipeline_MatchesDcm2pnm(string name, string photometric, bool signed, bool window)
    {
        using var tmp = new TempDir();
        var values = Source12();
        if (signed) values = values.Select(v => (ushort)((v - 2048) & 0xFFFF)).ToArray(); // two's complement in 16 bits
        var w = Source(values, signed ? 16 : 12, signed, photometric);
        if (signed) w.String(DicomTags.RescaleSlope, "DS", "0.5").String(DicomTags.RescaleIntercept, "DS", "-100");
        if (window) w.String(DicomTags.WindowCenter, "DS", signed ? "-150\\40" : "1900\\40").String(DicomTags.WindowWidth, "DS", "1500\\400");
        var path = tmp[name + ".dcm"];
        File.WriteAllBytes(path, w.ToBytes());
        var pgm = tmp[name + ".pgm"];
        RefTool.Run("/usr/bin/dcm2pnm", window ? ["+Wi", "1", path, pgm] : ["+Wm", path, pgm]);
        var reference = RefTool.ReadPgm(pgm);
        var ours = ImageDecoder.Decode(path);
        Assert.Equal((reference.Width, reference.Height), (ours.Width, ours.Height));
        int worst = 0;
        for (int i = 0; i < ours.Pixels.Length; i++) worst = Math.Max(worst, Math.Abs(ours.Pixels[i] - reference.Pixels[i]));
        Assert.True(worst <= 1, $"{name}: max |ours - dcm2pnm| = {worst}");
        Assert.True(ours.Pixels.Distinct().Count() > 50, "the window should spread the image over many grey levels");
    }

    [Fact]
    public void Decoder_Dicom_SequencesOfUndefinedLength_AreSkipped()
    {
        using var tmp = new TempDir();
        var pixels = Source12(8).Select(v => (byte)v).ToArray();
        var src = tmp["seq.dcm"];
        File.WriteAllBytes(src, new DicomWriter().Pixels(H, W, 8, 8, false, pixels).ToBytes());
        // dcmodify inserts a nested sequence; dcmconv -e rewrites it with undefined-length sequences and items.
        RefTool.Run("/usr/bin/dcmodify", "-nb", "-i", "(0008,1140)[0].(0008,1150)=1.2.840.10008.5.1.4.1.1.7", "-i", "(0008,1140)[0].(0008,1155)=1.2.3.4", src);
        var undefined = tmp["seq-undef.dcm"];
        RefTool.Run("/usr/bin/dcmconv", "-e", "+ti", src, undefined);
        Assert.Equal(TransferSyntaxes.ImplicitVrLittleEndian, TransferSyntax(undefined));
        Assert.Equal(pixels.Select(v => (int)v).ToArray(), Stored(undefined));
        var explicitUndef = tmp["seq-undef-explicit.dcm"];
        RefTool.Run("/usr/bin/dcmconv", "-e", "+te", src, explicitUndef);
        Assert.Equal(pixels.Select(v => (int)v).ToArray(), Stored(explicitUndef));
    }

    [Fact]
    public void Decoder_Dicom_UnsupportedSyntax_IsAClearError()
    {
        using var tmp = new TempDir();
        var src = tmp["src.dcm"];
        File.WriteAllBytes(src, Source(Source12(), 12).ToBytes());
        var big = tmp["big.dcm"];
        RefTool.Run("/usr/bin/dcmconv", "+tb", src, big);
        var e = Assert.Throws<DataFormatException>(() => ImageDecoder.Decode(big));
        Assert.Equal(big, e.File);
        Assert.Contains("unsupported transfer syntax 1.2.840.10008.1.2.2", e.Message);
    }
}
