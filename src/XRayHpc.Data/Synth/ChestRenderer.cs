namespace XRayHpc.Data.Synthesis;

/// <summary>
/// Draws a synthetic frontal chest radiograph: body, two dark lung fields with vessel markings and ribs,
/// a bright mediastinum and heart, then the requested findings, exposure variation and noise. Findings
/// follow their radiographic signs so a CNN has something real to learn: patchy opacities (pneumonia),
/// a cardiothoracic ratio above 0.5 (cardiomegaly), a fluid level with a blunted costophrenic angle
/// (effusion), round dense blobs (mass, nodule), an apical region without markings behind a pleural
/// line (pneumothorax), perihilar haze (edema), and so on.
/// </summary>
internal sealed class ChestRenderer
{
    private readonly int _n;
    /// <summary>The film being drawn (0..1 intensities) and its primitives; _img is its pixel array.</summary>
    private readonly FilmCanvas _canvas;
    private readonly float[] _img;
    private readonly Anatomy _a;
    private readonly SynthRng _r;
    /// <summary>Where each finding was drawn, when asked for (the CAM sanity check); never read by the drawing,
    /// and recording draws no random numbers, so the pixels are the same with or without it.</summary>
    private readonly Dictionary<Finding, bool[]>? _regions;
    /// <summary>Difficulty knobs; <see cref="FilmKnobs.Plain"/> draws exactly what the renderer drew before they existed.</summary>
    private readonly FilmKnobs _k;

    private ChestRenderer(int size, Anatomy a, SynthRng r, Dictionary<Finding, bool[]>? regions, FilmKnobs knobs)
    {
        _k = knobs;
        _n = size;
        _canvas = new FilmCanvas(size);
        _img = _canvas.Pixels;
        _a = a;
        _r = r;
        _regions = regions;
    }

    public static byte[] Render(int size, Anatomy anatomy, IReadOnlyList<Lesion> lesions, SynthRng rng, bool lateral = false) =>
        Render(size, anatomy, lesions, rng, lateral, regions: null);

    /// <param name="regions">Filled with a size×size mask per drawn finding: the heart's ellipse for Cardiomegaly,
    /// the pixels a lesion changed by more than <see cref="RegionThreshold"/> for the others.</param>
    public static byte[] Render(int size, Anatomy anatomy, IReadOnlyList<Lesion> lesions, SynthRng rng, bool lateral, Dictionary<Finding, bool[]>? regions,
        FilmKnobs? knobs = null)
    {
        var c = new ChestRenderer(size, anatomy, rng, regions, knobs ?? FilmKnobs.Plain);
        var kinds = lesions.GroupBy(l => l.Kind).ToDictionary(g => g.Key, g => g.Max(l => l.Strength));
        c.Body(lateral);
        if (!lateral)
        {
            c.Lungs(kinds.GetValueOrDefault(Finding.Emphysema));
            c.Markings();
            c.Ribs(kinds.GetValueOrDefault(Finding.Fracture));
            c.Mediastinum(kinds.GetValueOrDefault(Finding.EnlargedCardiomediastinum));
            c.Heart(kinds.GetValueOrDefault(Finding.Cardiomegaly));
        }
        else c.LateralView();
        foreach (var l in lesions)
        {
            var before = regions is null ? null : (float[])c._img.Clone();
            c.Draw(l, lateral);
            if (before is not null) c.Record(l.Kind, before);
        }
        if (c._k.Marker) c.LeadMarker();
        return c.Finish();
    }

    // ---- anatomy ----

    private void Body(bool lateral)
    {
        _canvas.Fill(0.06f);
        double rx = lateral ? _a.BodyRx * 0.85 : _a.BodyRx;
        _canvas.Ellipse(_a.CenterX, _a.CenterY, rx, _a.BodyRy, 0.02, (x, y, v) => 0.42f + 0.05f * (float)y);
    }

    private void LateralView()
    {
        // One superimposed lung field and the heart in front: enough to look different from a frontal view.
        _canvas.Ellipse(_a.CenterX + 0.03, _a.LungY, _a.LungRx * 1.8, _a.LungRy, 0.03, (x, y, v) => 0.2f);
        _canvas.Ellipse(_a.CenterX - 0.08, _a.LungY + 0.12, 0.12, 0.13, 0.03, (x, y, v) => MathF.Max(v, 0.6f));
        _canvas.Ellipse(_a.CenterX + 0.22, _a.CenterY, 0.04, 0.4, 0.01, (x, y, v) => MathF.Max(v, 0.7f)); // spine
    }

    private void Lungs(double emphysema)
    {
        double grow = 1 + 0.12 * emphysema;
        float dark = (float)(0.16 - 0.07 * emphysema);
        for (int side = 0; side < 2; side++)
            _canvas.Ellipse(_a.LungX(side), _a.LungY, _a.LungRx * grow, _a.LungRy * grow, 0.012,
                (x, y, v) => dark + 0.08f * (float)((y - _a.LungY) / _a.LungRy + 1) * 0.5f);
    }

    private bool InLung(double x, double y, out int side)
    {
        for (side = 0; side < 2; side++)
        {
            double dx = (x - _a.LungX(side)) / _a.LungRx, dy = (y - _a.LungY) / _a.LungRy;
            if (dx * dx + dy * dy < 1) return true;
        }
        side = -1;
        return false;
    }

    private void Markings()
    {
        // Vessels branch out from each hilum and fade toward the periphery.
        for (int side = 0; side < 2; side++)
        {
            double hx = _a.LungX(side) + (side == 0 ? 0.06 : -0.06), hy = _a.LungY;
            for (int k = 0; k < 18; k++)
            {
                double ang = _r.Uniform(-Math.PI, Math.PI);
                double len = _r.Uniform(0.12, 0.3);
                double x = hx, y = hy;
                int steps = (int)(len * _n);
                for (int s = 0; s < steps; s++)
                {
                    ang += _r.Uniform(-0.08, 0.08);
                    x += Math.Cos(ang) / _n;
                    y += Math.Sin(ang) / _n;
                    if (!InLung(x, y, out _)) continue;
                    _canvas.Add(x, y, 0.08f * (1 - (float)s / steps));
                }
            }
        }
    }

    private void Ribs(double fracture)
    {
        int broken = fracture > 0 ? _r.Next(3, 7) : -1;
        int brokenSide = _r.Next(2);
        double thick = 0.012;
        for (int side = 0; side < 2; side++)
        for (int k = 0; k < 9; k++)
        {
            double y0 = _a.LungY - _a.LungRy * 0.9 + k * _a.LungRy * 0.2;
            double x0 = _a.CenterX, x1 = _a.LungX(side) + (side == 0 ? -1 : 1) * _a.LungRx * 1.05;
            int steps = (int)(Math.Abs(x1 - x0) * _n);
            for (int s = 0; s < steps; s++)
            {
                double t = (double)s / steps;
                if (k == broken && side == brokenSide && t > 0.55 && t < 0.6) continue; // the fracture gap
                double x = x0 + (x1 - x0) * t;
                double y = y0 + 0.06 * Math.Sin(t * Math.PI) + (k == broken && side == brokenSide && t >= 0.6 ? 0.01 * fracture : 0);
                for (double d = -thick / 2; d <= thick / 2; d += 1.0 / _n) _canvas.Add(x, y + d, 0.07f);
            }
        }
    }

    private void Mediastinum(double enlarged)
    {
        double w = _a.MediastinumWidth * (1 + 0.7 * enlarged);
        _canvas.Ellipse(_a.CenterX, _a.LungY - 0.05, w / 2, _a.LungRy * 0.95, 0.01, (x, y, v) => MathF.Max(v, 0.66f));
    }

    private void Heart(double cardiomegaly)
    {
        // Cardiothoracic ratio ~0.42-0.47 normally, 0.58-0.66 in cardiomegaly.
        double ratio = _a.HeartRatio + cardiomegaly * _r.Uniform(0.16, 0.2);
        double rx = ratio * _a.ThoraxHalfWidth;
        _canvas.Ellipse(_a.CenterX + rx * 0.3, _a.LungY + _a.LungRy * 0.5, rx, _a.LungRy * 0.36, 0.012,
            (x, y, v) => MathF.Max(v, 0.64f));
        if (_regions is not null && cardiomegaly > 0)
            RecordEllipse(Finding.Cardiomegaly, _a.CenterX + rx * 0.3, _a.LungY + _a.LungRy * 0.5, rx, _a.LungRy * 0.36);
    }

    // ---- region recording (only when asked for) ----

    /// <summary>Intensity change (0..1 scale, before exposure and noise) that counts a pixel as part of a drawn lesion.</summary>
    public const float RegionThreshold = 0.02f;

    private bool[] RegionOf(Finding kind)
    {
        if (!_regions!.TryGetValue(kind, out var m)) _regions[kind] = m = new bool[_n * _n];
        return m;
    }

    private void Record(Finding kind, float[] before)
    {
        var m = RegionOf(kind);
        for (int i = 0; i < _img.Length; i++)
            if (MathF.Abs(_img[i] - before[i]) > RegionThreshold) m[i] = true;
    }

    private void RecordEllipse(Finding kind, double cx, double cy, double rx, double ry)
    {
        var m = RegionOf(kind);
        for (int y = 0; y < _n; y++)
        for (int x = 0; x < _n; x++)
        {
            double dx = ((x + 0.5) / _n - cx) / rx, dy = ((y + 0.5) / _n - cy) / ry;
            if (dx * dx + dy * dy < 1) m[y * _n + x] = true;
        }
    }

    // ---- findings ----

    private void Draw(Lesion l, bool lateral)
    {
        float s = (float)l.Strength;
        double g = _k.FindingSize; // 1.0 multiplies exactly, so default films are unchanged
        int side = _r.Next(2);
        double lx = _a.LungX(side), ly = _a.LungY;
        switch (l.Kind)
        {
            case Finding.Pneumonia or Finding.Consolidation or Finding.LungOpacity:
                if (l.Box is { } b) Patches(b.X + b.W / 2, b.Y + b.H / 2, b.W / 2.4 * g, b.H / 2.4 * g, 0.17f * s, 10);
                else Patches(lx + _r.Uniform(-0.04, 0.04), ly + _r.Uniform(-0.05, 0.15), 0.07 * g, 0.09 * g, (l.Kind == Finding.Consolidation ? 0.19f : 0.17f) * s, 10);
                break;
            case Finding.Infiltration:
                for (int k = 0; k < 2; k++) Patches(_a.LungX(k), ly + _r.Uniform(-0.1, 0.1), 0.09 * g, 0.13 * g, 0.06f * s, 16);
                break;
            case Finding.Atelectasis:
                Band(lx, ly + _a.LungRy * 0.45, 0.09 * g, 0.012 * g, _r.Uniform(-0.35, 0.35), 0.3f * s);
                break;
            case Finding.Effusion: Effusion(side, s); break;
            case Finding.Edema:
                for (int k = 0; k < 2; k++) Blob(_a.LungX(k) + (k == 0 ? 0.05 : -0.05), ly, 0.09 * g, 0.22f * s, soft: true);
                break;
            case Finding.Mass: Blob(lx + _r.Uniform(-0.04, 0.04), ly + _r.Uniform(-0.15, 0.1), _r.Uniform(0.045, 0.065) * g, 0.4f * s, soft: false); break;
            case Finding.Nodule: Blob(lx + _r.Uniform(-0.05, 0.05), ly + _r.Uniform(-0.18, 0.12), _r.Uniform(0.014, 0.022) * g, 0.45f * s, soft: false); break;
            case Finding.LungLesion: Blob(lx + _r.Uniform(-0.04, 0.04), ly + _r.Uniform(-0.15, 0.1), _r.Uniform(0.025, 0.045) * g, 0.42f * s, soft: false); break;
            case Finding.Pneumothorax: if (!lateral) Pneumothorax(side, s); break;
            case Finding.Fibrosis: Reticular(0.12f * s); break;
            case Finding.PleuralThickening or Finding.PleuralOther: PleuralBand(side, 0.3f * s, l.Kind == Finding.PleuralOther ? 0.3 : 0.7); break;
            case Finding.Hernia: Blob(_a.CenterX, ly + _a.LungRy * 0.75, 0.06 * g, 0.25f * s, soft: true); Blob(_a.CenterX, ly + _a.LungRy * 0.72, 0.025 * g, -0.2f * s, soft: true); break;
            case Finding.SupportDevices: Devices(s); break;
            // Drawn with the anatomy: Cardiomegaly, EnlargedCardiomediastinum, Emphysema, Fracture.
        }
    }

    private void Patches(double cx, double cy, double rx, double ry, float amp, int count)
    {
        for (int k = 0; k < count; k++)
        {
            double px = cx + _r.Gaussian() * rx * 0.5, py = cy + _r.Gaussian() * ry * 0.5;
            double rad = _r.Uniform(0.3, 0.6) * Math.Min(rx, ry);
            LungBlob(px, py, rad, amp * (float)_r.Uniform(0.6, 1.0));
        }
    }

    /// <summary>A soft gaussian opacity clipped to the lung fields (where air spaces fill).</summary>
    private void LungBlob(double cx, double cy, double rad, float amp) =>
        _canvas.Region(cx, cy, rad * 2.5, (x, y, v) =>
        {
            if (!InLung(x, y, out _)) return v;
            double d2 = ((x - cx) * (x - cx) + (y - cy) * (y - cy)) / (rad * rad);
            return v + amp * (float)Math.Exp(-d2);
        });

    private void Blob(double cx, double cy, double rad, float amp, bool soft) =>
        _canvas.Region(cx, cy, rad * (soft ? 2.5 : 1.3), (x, y, v) =>
        {
            double d = Math.Sqrt((x - cx) * (x - cx) + (y - cy) * (y - cy)) / rad;
            float w = soft ? (float)Math.Exp(-d * d) : (float)Math.Clamp((1.0 - d) * 8, 0, 1);
            return v + amp * w;
        });

    private void Band(double cx, double cy, double rx, double ry, double angle, float amp)
    {
        double c = Math.Cos(angle), s = Math.Sin(angle);
        _canvas.Region(cx, cy, rx * 1.2, (x, y, v) =>
        {
            double dx = x - cx, dy = y - cy;
            double u = (dx * c + dy * s) / rx, w = (-dx * s + dy * c) / ry;
            double d2 = u * u + w * w;
            return d2 < 1 && InLung(x, y, out _) ? v + amp * (float)(1 - d2) : v;
        });
    }

    private void Effusion(int side, float s)
    {
        // Fluid fills the base and climbs the lateral wall (meniscus), so the costophrenic angle is lost.
        double lx = _a.LungX(side), bottom = _a.LungY + _a.LungRy;
        double level = bottom - _a.LungRy * (0.25 + 0.15 * s);
        double lateralDir = side == 0 ? -1 : 1;
        _canvas.Region(lx, bottom - _a.LungRy * 0.3, _a.LungRx * 1.3 + _a.LungRy * 0.3, (x, y, v) =>
        {
            if (!InLung(x, y, out var sd) || sd != side) return v;
            double lateralness = Math.Clamp((x - lx) * lateralDir / _a.LungRx, 0, 1);
            double surface = level - 0.08 * lateralness * lateralness * s;
            if (y < surface) return v;
            float edge = (float)Math.Clamp((y - surface) * _n / 3.0, 0, 1);
            return v + (0.58f - v) * edge * Math.Min(1f, s * 1.2f);
        });
    }

    private void Pneumothorax(int side, float s)
    {
        // Lung edge pulled away from the chest wall at the apex: beyond the pleural line there is only air.
        double lx = _a.LungX(side), top = _a.LungY - _a.LungRy;
        double dir = side == 0 ? -1 : 1;
        double depth = _a.LungRy * (0.35 + 0.15 * s);
        _canvas.Region(lx, top + depth / 2, Math.Max(_a.LungRx * 1.1, depth), (x, y, v) =>
        {
            if (!InLung(x, y, out var sd) || sd != side || y > top + depth) return v;
            double t = (y - top) / depth;
            double lineX = lx + dir * _a.LungRx * (0.1 + 0.5 * t);
            double dist = (x - lineX) * dir;
            if (dist > 1.5 / _n) return 0.07f + (v - 0.07f) * (1 - s);
            if (dist > -1.5 / _n) return v + 0.2f * s;
            return v;
        });
    }

    private void Reticular(float amp)
    {
        double f = 90;
        for (int y = 0; y < _n; y++)
        for (int x = 0; x < _n; x++)
        {
            double nx = (double)x / _n, ny = (double)y / _n;
            if (ny < _a.LungY || !InLung(nx, ny, out _)) continue;
            double net = Math.Abs(Math.Sin(nx * f + 3 * Math.Sin(ny * 20))) < 0.25 || Math.Abs(Math.Sin(ny * f + 3 * Math.Sin(nx * 17))) < 0.25 ? 1 : 0;
            _img[y * _n + x] += amp * (float)net;
        }
    }

    private void PleuralBand(int side, float amp, double extent)
    {
        double lx = _a.LungX(side), dir = side == 0 ? -1 : 1;
        _canvas.Region(lx, _a.LungY, _a.LungRx * 1.1 + _a.LungRy, (x, y, v) =>
        {
            if (!InLung(x, y, out var sd) || sd != side) return v;
            double dx = (x - lx) / _a.LungRx, dy = (y - _a.LungY) / _a.LungRy;
            double r = Math.Sqrt(dx * dx + dy * dy);
            bool lateralArc = dx * dir > 0 && Math.Abs(dy) < extent;
            return lateralArc && r > 0.88 ? v + amp : v;
        });
    }

    private void Devices(float s)
    {
        // An endotracheal/NG tube down the midline and a pacemaker box in the upper chest.
        double x = _a.CenterX + 0.01;
        for (double y = 0.02; y < _a.LungY + 0.1; y += 0.5 / _n)
            for (int d = -1; d <= 1; d++) _canvas.Set(x + d / (double)_n + 0.01 * Math.Sin(y * 12), y, 0.95f * s);
        double bx = _a.LungX(0) - 0.02, by = _a.LungY - _a.LungRy * 0.85;
        for (double yy = by; yy < by + 0.05; yy += 0.5 / _n)
        for (double xx = bx; xx < bx + 0.07; xx += 0.5 / _n) _canvas.Set(xx, yy, 0.97f * s);
    }

    /// <summary>A radiographer's lead side marker: a dense "R"-like block in an upper corner, outside the body.
    /// Drawn after the findings, before exposure and noise, so it looks like part of the film.</summary>
    private void LeadMarker()
    {
        double x0 = _k.MarkerRight ? 0.84 : 0.06, y0 = 0.05, w = 0.09, h = 0.11;
        for (double y = y0; y < y0 + h; y += 0.5 / _n)
        for (double x = x0; x < x0 + w; x += 0.5 / _n)
        {
            double u = (x - x0) / w, v = (y - y0) / h;
            // Stem, bowl and leg of the letter; the rest of the tag is mid-grey plastic.
            bool ink = u < 0.3 || (v < 0.5 && (v < 0.2 || v > 0.35 || u > 0.75)) || (v >= 0.5 && Math.Abs(u - 0.3 - (v - 0.5) * 1.2) < 0.18);
            _canvas.Set(x, y, ink ? 0.98f : 0.55f);
        }
    }

    private byte[] Finish()
    {
        var bytes = new byte[_img.Length];
        float gain = (float)_a.Contrast, offset = (float)_a.Exposure;
        float sigma = (float)_r.Uniform(0.012, 0.025);
        if (_k.Noise != 1.0) sigma *= (float)_k.Noise;
        bool extra = _k.ExtraExposure;
        for (int i = 0; i < _img.Length; i++)
        {
            float v = (_img[i] - 0.4f) * gain + 0.4f + offset + sigma * (float)_r.Gaussian();
            if (extra)
            {
                // Per-film exposure on top of the patient's: a gain about mid-grey, an offset and a linear gradient.
                float x = (i % _n + 0.5f) / _n - 0.5f, y = (i / _n + 0.5f) / _n - 0.5f;
                v = (v - 0.4f) * _k.Gain + 0.4f + _k.Offset + _k.GradX * x + _k.GradY * y;
            }
            bytes[i] = (byte)Math.Clamp((int)MathF.Round(v * 255f), 0, 255);
        }
        return bytes;
    }
}
