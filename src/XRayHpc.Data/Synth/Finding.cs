namespace XRayHpc.Data.Synthesis;

/// <summary>What the renderer can draw. Dataset label names map onto these in <see cref="FindingNames"/>.</summary>
internal enum Finding
{
    Pneumonia, Consolidation, Infiltration, LungOpacity, Atelectasis, Cardiomegaly, EnlargedCardiomediastinum,
    Effusion, Edema, Mass, Nodule, LungLesion, Pneumothorax, Emphysema, Fibrosis, PleuralThickening, PleuralOther,
    Hernia, Fracture, SupportDevices,
}

/// <summary>One drawn abnormality. Strength 1 = clearly visible; 0.5 = the faint sign behind an uncertain label.
/// Box (normalized 0..1 image coordinates) pins an opacity to a region (RSNA bounding boxes).</summary>
internal readonly record struct Lesion(Finding Kind, double Strength, (double X, double Y, double W, double H)? Box = null);

internal static class FindingNames
{
    public static Finding? FromLabel(string label) => label switch
    {
        "Pneumonia" => Finding.Pneumonia,
        "Consolidation" => Finding.Consolidation,
        "Infiltration" => Finding.Infiltration,
        "Lung Opacity" => Finding.LungOpacity,
        "Atelectasis" => Finding.Atelectasis,
        "Cardiomegaly" => Finding.Cardiomegaly,
        "Enlarged Cardiomediastinum" => Finding.EnlargedCardiomediastinum,
        "Effusion" or "Pleural Effusion" => Finding.Effusion,
        "Edema" => Finding.Edema,
        "Mass" => Finding.Mass,
        "Nodule" => Finding.Nodule,
        "Lung Lesion" => Finding.LungLesion,
        "Pneumothorax" => Finding.Pneumothorax,
        "Emphysema" => Finding.Emphysema,
        "Fibrosis" => Finding.Fibrosis,
        "Pleural_Thickening" => Finding.PleuralThickening,
        "Pleural Other" => Finding.PleuralOther,
        "Hernia" => Finding.Hernia,
        "Fracture" => Finding.Fracture,
        "Support Devices" => Finding.SupportDevices,
        _ => null,
    };
}
