namespace XRayHpc.Explain;

/// <summary>
/// Class-activation maps of a batch for one class, at the feature map's resolution: <see cref="Maps"/> holds
/// Count × Height × Width floats (row-major per image), <see cref="Logits"/> Count × Classes.
/// </summary>
public sealed record CamMaps(float[] Maps, int Count, int Height, int Width, float[] Logits, int Classes, int Class, CamMethod Method)
{
    public ReadOnlySpan<float> Map(int image) => Maps.AsSpan(image * Height * Width, Height * Width);
    public float Logit(int image) => Logits[image * Classes + Class];
}
