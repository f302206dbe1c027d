using System.Globalization;
using XRayHpc.Data.Decoders;
using XRayHpc.Data.Dicom;

namespace XRayHpc.Data.Synthesis;

internal enum SynthFormat { Jpeg, Png, Dicom }

/// <summary>Fake but realistic-looking protected health information written into a synthetic DICOM file,
/// so de-identification can be tested. None of it belongs to a real person.</summary>
internal sealed record FakePhi(string PatientName, string PatientId, string BirthDate, string Sex, int Age, string StudyDate, string View);

/// <summary>One image to render: where, whose anatomy, which findings.</summary>
internal sealed record ImageJob(string Path, int Patient, int Image, Lesion[] Lesions, bool Lateral, SynthFormat Format, FakePhi? Phi = null);

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
            var pixels = ChestRenderer.Render(o.Size, anatomy.Jitter(rng), job.Lesions, rng, job.Lateral);
            File.WriteAllBytes(job.Path, Encode(job, pixels, o.Size, o.Seed, layoutIndex));
            progress?.Report(Interlocked.Increment(ref done));
        });
    }

    private static byte[] Encode(ImageJob job, byte[] pixels, int size, long seed, int layoutIndex) => job.Format switch
    {
        SynthFormat.Jpeg => JpegCodec.EncodeGray(pixels, size, size, 92),
        SynthFormat.Png => PngEncoder.EncodeGray8(pixels, size, size),
        _ => Dicom(job, pixels, size, seed, layoutIndex),
    };

    private static byte[] Dicom(ImageJob job, byte[] pixels, int size, long seed, int layoutIndex)
    {
        var phi = job.Phi!;
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
            .String(DicomTags.PixelSpacing, "DS", "0.143\\0.143")
            .Pixels(size, size, 8, 8, false, pixels)
            .ToBytes(sopInstanceUid: uidRoot + ".3");
    }
}
