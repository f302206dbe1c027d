namespace XRayHpc.Data.Dicom;

/// <summary>The tags and UIDs XRayHpc reads or writes (group &lt;&lt; 16 | element).</summary>
public static class DicomTags
{
    public const uint FileMetaGroupLength = 0x00020000, FileMetaVersion = 0x00020001, MediaStorageSopClass = 0x00020002,
        MediaStorageSopInstance = 0x00020003, TransferSyntax = 0x00020010, ImplementationClass = 0x00020012,
        ImplementationVersion = 0x00020013;
    public const uint SopClassUid = 0x00080016, SopInstanceUid = 0x00080018, StudyDate = 0x00080020, Modality = 0x00080060;
    public const uint PatientName = 0x00100010, PatientId = 0x00100020, PatientBirthDate = 0x00100030, PatientSex = 0x00100040, PatientAge = 0x00101010;
    public const uint BodyPartExamined = 0x00180015, ViewPosition = 0x00185101;
    public const uint StudyInstanceUid = 0x0020000D, SeriesInstanceUid = 0x0020000E;
    public const uint SamplesPerPixel = 0x00280002, Photometric = 0x00280004, PlanarConfiguration = 0x00280006,
        NumberOfFrames = 0x00280008, Rows = 0x00280010, Columns = 0x00280011, PixelSpacing = 0x00280030,
        BitsAllocated = 0x00280100, BitsStored = 0x00280101, HighBit = 0x00280102, PixelRepresentation = 0x00280103,
        WindowCenter = 0x00281050, WindowWidth = 0x00281051, RescaleIntercept = 0x00281052, RescaleSlope = 0x00281053;
    public const uint PixelData = 0x7FE00010;
    public const uint Item = 0xFFFEE000, ItemDelimitation = 0xFFFEE00D, SequenceDelimitation = 0xFFFEE0DD;
}

public static class TransferSyntaxes
{
    public const string ImplicitVrLittleEndian = "1.2.840.10008.1.2";
    public const string ExplicitVrLittleEndian = "1.2.840.10008.1.2.1";
    public const string DeflatedExplicitVrLittleEndian = "1.2.840.10008.1.2.1.99";
    public const string ExplicitVrBigEndian = "1.2.840.10008.1.2.2";
    public const string JpegBaseline = "1.2.840.10008.1.2.4.50";
    public const string JpegExtended = "1.2.840.10008.1.2.4.51";
    public const string JpegLossless = "1.2.840.10008.1.2.4.57";
    public const string JpegLosslessSv1 = "1.2.840.10008.1.2.4.70";
    public const string JpegLsLossless = "1.2.840.10008.1.2.4.80";
    public const string JpegLsNearLossless = "1.2.840.10008.1.2.4.81";
    public const string Jpeg2000Lossless = "1.2.840.10008.1.2.4.90";
    public const string Jpeg2000 = "1.2.840.10008.1.2.4.91";
    public const string RleLossless = "1.2.840.10008.1.2.5";
}
