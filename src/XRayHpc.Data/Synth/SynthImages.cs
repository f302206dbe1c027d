using System.Globalization;
using XRayHpc.Data.Decoders;
using XRayHpc.Data.Dicom;

namespace XRayHpc.Data.Synthesis;

internal enum SynthFormat { Jpeg, Png, Png16, Dicom, DicomMonochrome1, Dicom12BitWindowed, DicomJpegBaseline }

/// <summary>Fake but realistic-looking protected health information written into a synthetic DICOM file,
/// so de-identification can be tested. None of it belongs to a real person.</summary>
internal sealed record FakePhi(string PatientName, string PatientId, string BirthDate, string Sex, int Age, string StudyDate, string View);

/// <summary>One image to render: where, whose anatomy, which findings (the truth drawn, whatever label was written),
/// and whether it carries the distractor marker.</summary>
internal sealed record ImageJob(string Path, int Patient, int Image, Lesion[] Lesions, bool Lateral, SynthFormat Format, FakePhi? Phi = null, bool Marker = false);

internal static class SynthImages
{
    public static void RenderAll(IReadOnlyList<ImageJob> jobs, SynthOptions o, int layoutIndex, IProgress<int>? progress)
    {
        foreach (var dir in jobs.Select(j => System.IO.Path.GetDirectoryName(j.Path)!).Distinct())
            Directory.CreateDirectory(dir);
        int done = 0;
        Parallel.For(0, jobs.Count, i =>
        {
            var job = jobs[i];
            var anatomy = Anatomy.ForPatient(new SynthRng(o.Seed, layoutIndex, 1, job.Patient));
            var rng = new SynthRng(o.Seed, layoutIndex, 2, job.Image);
            var lesions = o.FindingContrast == 1.0 ? job.Lesions
                : Array.ConvertAll(job.Lesions, l => l with { Strength = l.Strength * o.FindingContrast });
            var knobs = FilmKnobs.For(o, layoutIndex, job.Image, job.Marker);
            var pixels = ChestRenderer.Render(o.Size, anatomy.Jitter(rng), lesions, rng, job.Lateral, regions: null, knobs);
            var format = o.Tricky ? job.Format : Plain(job.Format);
            File.WriteAllBytes(job.Path, Encode(job with { Format = format }, pixels, o.Size, o.Seed, layoutIndex));
            progress?.Report(Interlocked.Increment(ref done));
        });
    }

    private static SynthFormat Plain(SynthFormat f) => f switch
    {
        SynthFormat.Png16 => SynthFormat.Png,
        SynthFormat.DicomMonochrome1 or SynthFormat.Dicom12BitWindowed or SynthFormat.DicomJpegBaseline => SynthFormat.Dicom,
        _ => f,
    };

    private static byte[] Encode(ImageJob job, byte[] pixels, int size, long seed, int layoutIndex) => job.Format switch
    {
        SynthFormat.Jpeg => JpegCodec.EncodeGray(pixels, size, size, 92),
        SynthFormat.Png => PngEncoder.EncodeGray8(pixels, size, size),
        SynthFormat.Png16 => PngEncoder.EncodeGray16(Array.ConvertAll(pixels, v => (ushort)(v * 257)), size, size),
        _ => Dicom(job, pixels, size, seed, layoutIndex),
    };

    private static byte[] Dicom(ImageJob job, byte[] pixels, int size, long seed, int layoutIndex)
    {
        var phi = job.Phi!;
        var w = DicomHeader(job, phi, seed, layoutIndex);
        switch (job.Format)
        {
            case SynthFormat.DicomMonochrome1:
                w.Pixels(size, size, 8, 8, false, Array.ConvertAll(pixels, v => (byte)(255 - v)), "MONOCHROME1");
                break;
            case SynthFormat.Dicom12BitWindowed:
            {
                // Stored 16v+8 in 12 bits; this window maps it back onto v exactly (PS3.3 C.11.2.1.2.1).
                var words = new byte[pixels.Length * 2];
                for (int i = 0; i < pixels.Length; i++) { int x = pixels[i] * 16 + 8; words[2 * i] = (byte)x; words[2 * i + 1] = (byte)(x >> 8); }
                w.Pixels(size, size, 16, 12, false, words).String(DicomTags.WindowCenter, "DS", "2048.5").String(DicomTags.WindowWidth, "DS", "4081");
                break;
            }
            case SynthFormat.DicomJpegBaseline:
                w.Pixels(size, size, 8, 8, false, []).Encapsulated(TransferSyntaxes.JpegBaseline, JpegCodec.EncodeGray(pixels, size, size, 95));
                break;
            default:
                w.Pixels(size, size, 8, 8, false, pixels);
                break;
        }
        return w.ToBytes(sopInstanceUid: $"2.25.{(ulong)seed % 1_000_000_007UL}.{layoutIndex}.{job.Image}.3");
    }

    private static DicomWriter DicomHeader(ImageJob job, FakePhi phi, long seed, int layoutIndex)
    {
        string uidRoot = $"2.25.{(ulong)seed % 1_000_000_007UL}.{layoutIndex}.{job.Image}";
        return new DicomWriter()
            .String(DicomTags.StudyDate, "DA", phi.StudyDate)
            .String(DicomTags.Modality, "CS", "CR")
            .String(DicomTags.PatientName, "PN", phi.PatientName)
            .String(DicomTags.PatientId, "LO", phi.PatientId)
            .String(DicomTags.PatientBirthDate, "DA", phi.BirthDate)
            .String(DicomTags.PatientSex, "CS", phi.Sex)
            .String(DicomTags.PatientAge, "AS", phi.Age.ToString("D3", CultureInfo.InvariantCulture) + "Y")
            .String(DicomTags.BodyPartExamined, "CS", "CHEST")
            .String(DicomTags.ViewPosition, "CS", phi.View)
            .String(DicomTags.StudyInstanceUid, "UI", uidRoot + ".1")
            .String(DicomTags.SeriesInstanceUid, "UI", uidRoot + ".2")
            .String(DicomTags.PixelSpacing, "DS", "0.143\\0.143");
    }
}
