namespace XRayHpc.Data.Synthesis;

/// <summary>
/// Per-image difficulty settings handed to <see cref="ChestRenderer"/>. <see cref="Plain"/> is the renderer as it
/// was before the knobs existed: with it the renderer evaluates the same expressions and draws the same random
/// numbers, so default synth output stays byte-identical.
/// </summary>
internal sealed record FilmKnobs(double FindingSize, double Noise, float Offset, float Gain, float GradX, float GradY, bool Marker, bool MarkerRight)
{
    public static readonly FilmKnobs Plain = new(1.0, 1.0, 0f, 1f, 0f, 0f, false, false);

    public bool ExtraExposure => Offset != 0f || Gain != 1f || GradX != 0f || GradY != 0f;

    /// <summary>The knobs of one image. Exposure variation and the marker's corner come from a stream of their own
    /// (key 4), drawn only when asked for, so switching them on leaves anatomy, findings and noise as they were.</summary>
    public static FilmKnobs For(SynthOptions o, int layoutIndex, int image, bool marker)
    {
        if (o.FindingSize == 1.0 && o.FilmNoise == 1.0 && o.ExposureVariation == 0 && !marker) return Plain;
        float offset = 0f, gain = 1f, gx = 0f, gy = 0f;
        bool right = false;
        if (o.ExposureVariation > 0 || marker)
        {
            var r = new SynthRng(o.Seed, layoutIndex, 4, image);
            double v = o.ExposureVariation;
            offset = (float)(r.Uniform(-0.25, 0.25) * v);
            gain = (float)(1 + r.Uniform(-0.5, 0.5) * v);
            gx = (float)(r.Uniform(-0.25, 0.25) * v);
            gy = (float)(r.Uniform(-0.25, 0.25) * v);
            right = r.Chance(0.5);
        }
        return new FilmKnobs(o.FindingSize, o.FilmNoise, offset, gain, gx, gy, marker, right);
    }
}
