using System.Globalization;
using System.Text.Json;

namespace XRayHpc.Explain;

/// <summary>
/// Explains images in batches and writes, per image and class, &lt;name&gt;.&lt;class&gt;.png (film + heat map + legend),
/// &lt;name&gt;.&lt;class&gt;.npy (the map at the model's input size, float32, before any display scaling) and a .json
/// describing it. Files are written whole under a temporary name and renamed, so a reader never sees half a PNG.
/// </summary>
public sealed class CamWriter(InferenceModel model, CamOptions options)
{
    public IReadOnlyList<CamOutput> Run(IEnumerable<CamInput> images)
    {
        Directory.CreateDirectory(options.OutputDir);
        var written = new List<CamOutput>();
        foreach (var batch in images.Chunk(Math.Max(1, options.BatchSize)))
            written.AddRange(Explain(batch));
        return written;
    }

    IEnumerable<CamOutput> Explain(CamInput[] batch)
    {
        int s = model.ImageSize, n = batch.Length;
        var floats = new float[n * s * s];
        for (int i = 0; i < n; i++)
        {
            if (batch[i].Pixels.Length != s * s) throw new ArgumentException($"{batch[i].Name}: {batch[i].Pixels.Length} pixels, expected {s}x{s}");
            model.Normalise(batch[i].Pixels, floats.AsSpan(i * s * s, s * s));
        }
        var probs = model.Predict(floats, n);
        int classes = model.Card.ClassNames.Count;
        var targets = options.Classes.Count > 0
            ? options.Classes.Select(c => Enumerable.Repeat(ClassIndex(c), n).ToArray()).ToList()
            : [Enumerable.Range(0, n).Select(i => ArgMax(probs.AsSpan(i * classes, classes))).ToArray()];
        var result = new List<CamOutput>();
        foreach (var perImage in targets)
        foreach (var cls in perImage.Distinct())
        {
            var maps = model.Cam(floats, n, cls, options.Method);
            for (int i = 0; i < n; i++)
            {
                if (perImage[i] != cls) continue;
                result.Add(WriteOne(batch[i], maps, i, cls, probs[i * classes + cls]));
            }
        }
        return result;
    }

    public int ClassIndex(string name) =>
        model.Card.ClassIndex(name) is var k and >= 0 ? k
            : throw new ArgumentException($"class '{name}' is not one of the model's: {string.Join(", ", model.Card.ClassNames)}");

    static int ArgMax(ReadOnlySpan<float> v)
    {
        int best = 0;
        for (int i = 1; i < v.Length; i++) if (v[i] > v[best]) best = i;
        return best;
    }

    CamOutput WriteOne(CamInput input, CamMaps maps, int i, int cls, double probability)
    {
        int s = model.ImageSize;
        string className = model.Card.ClassNames[cls];
        var full = CamMap.Upsample(maps.Map(i), maps.Height, maps.Width, s, s);
        string stem = Path.Combine(options.OutputDir, $"{Safe(input.Name)}.{Safe(className)}");
        var png = HeatmapImage.RenderPng(input.Pixels, CamMap.ToUnit(full), s, className, probability, options.Method);
        WriteAtomic(stem + ".png", f => File.WriteAllBytes(f, png));
        WriteAtomic(stem + ".npy", f => NpyFile.Write(f, full, s, s));
        var meta = new Dictionary<string, object>
        {
            ["image"] = input.Name, ["class"] = className, ["probability"] = probability, ["logit"] = maps.Logit(i),
            ["method"] = options.Method == CamMethod.GradCam ? "grad-cam" : "cam", ["layer"] = model.Conv.FeatureLayer,
            ["feature_map"] = new[] { maps.Height, maps.Width }, ["shape"] = new[] { s, s }, ["dtype"] = "float32",
            ["max"] = full.Length == 0 ? 0 : full.Max(), ["model"] = model.Card.Id, ["checksum"] = model.Card.Checksum,
        };
        WriteAtomic(stem + ".json", f => File.WriteAllText(f, JsonSerializer.Serialize(meta, new JsonSerializerOptions { WriteIndented = true })));
        return new CamOutput(input.Name, className, probability, stem + ".png", stem + ".npy", stem + ".json");
    }

    /// <summary>File-name-safe form of an image or class name ("Lung Opacity" → "Lung_Opacity").</summary>
    public static string Safe(string name)
    {
        var chars = name.Select(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '.' ? c : '_').ToArray();
        var s = new string(chars).Trim('.');
        return s.Length == 0 ? "_" : s;
    }

    static void WriteAtomic(string path, Action<string> write)
    {
        var tmp = path + ".tmp";
        write(tmp);
        File.Move(tmp, path, overwrite: true);
    }
}
