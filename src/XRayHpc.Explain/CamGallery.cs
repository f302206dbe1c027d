using System.Text.Json;
using System.Text.Json.Serialization;

namespace XRayHpc.Explain;

/// <summary>One gallery entry: for a class, the most confident true positive, false positive or false negative.</summary>
public sealed record GalleryEntry(
    [property: JsonPropertyName("class")] string ClassName,
    [property: JsonPropertyName("kind")] string Kind,
    [property: JsonPropertyName("row")] long Row,
    [property: JsonPropertyName("probability")] double Probability,
    [property: JsonPropertyName("threshold")] double Threshold,
    [property: JsonPropertyName("png")] string Png);

/// <summary>
/// `xrayhpc cam RUN --gallery`: scores the test split, picks per class the most confident TP (highest probability
/// among positives above the threshold), FP (highest among negatives above it) and FN (lowest among positives below
/// it), explains each for its class and writes RUN/cam-gallery/&lt;class&gt;/&lt;kind&gt;.png plus RUN/cam-gallery/gallery.json,
/// which `xrayhpc report` shows (the report reads only the run directory).
/// </summary>
public static class CamGallery
{
    public const string DirName = "cam-gallery";
    public const string IndexName = "gallery.json";
    public static readonly string[] Kinds = ["TP", "FP", "FN"];

    public static IReadOnlyList<GalleryEntry> Write(InferenceModel model, string cacheDir, string runDir, string split, CamMethod method)
    {
        var card = model.Card;
        int c = card.ClassNames.Count, s = model.ImageSize;
        // Pass 1: scores of every row (only the picks' pixels are kept for pass 2).
        var best = new (long Row, double P)?[c, Kinds.Length];
        foreach (var chunk in SplitImages.Read(cacheDir, split).Chunk(16))
        {
            var floats = new float[chunk.Length * s * s];
            for (int i = 0; i < chunk.Length; i++) model.Normalise(chunk[i].Pixels, floats.AsSpan(i * s * s, s * s));
            var probs = model.Predict(floats, chunk.Length);
            for (int i = 0; i < chunk.Length; i++)
            for (int k = 0; k < c; k++)
            {
                if (chunk[i].Mask[k] == 0) continue;
                double p = probs[i * c + k];
                bool positive = chunk[i].Labels[k] > 0.5, predicted = p >= card.Thresholds[k];
                int kind = positive && predicted ? 0 : !positive && predicted ? 1 : positive ? 2 : -1;
                if (kind < 0) continue;
                var cur = best[k, kind];
                bool better = cur is null || (kind == 2 ? p < cur.Value.P : p > cur.Value.P);
                if (better) best[k, kind] = (chunk[i].RowId, p);
            }
        }
        var wanted = new Dictionary<long, byte[]?>();
        foreach (var b in best) if (b is { } v) wanted[v.Row] = null;
        foreach (var row in SplitImages.Read(cacheDir, split))
            if (wanted.ContainsKey(row.RowId)) wanted[row.RowId] = row.Pixels;

        var root = Path.Combine(runDir, DirName);
        var entries = new List<GalleryEntry>();
        for (int k = 0; k < c; k++)
        for (int kind = 0; kind < Kinds.Length; kind++)
        {
            if (best[k, kind] is not { } pick) continue;
            var dir = Path.Combine(root, CamWriter.Safe(card.ClassNames[k]));
            var outputs = new CamWriter(model, new CamOptions { OutputDir = dir, Classes = [card.ClassNames[k]], Method = method })
                .Run([new CamInput($"{Kinds[kind]}-row{pick.Row}", wanted[pick.Row]!)]);
            entries.Add(new GalleryEntry(card.ClassNames[k], Kinds[kind], pick.Row, outputs[0].Probability, card.Thresholds[k],
                Path.GetRelativePath(runDir, outputs[0].PngPath)));
        }
        var index = Path.Combine(root, IndexName);
        Directory.CreateDirectory(root);
        File.WriteAllText(index + ".tmp", JsonSerializer.Serialize(new { split, method = method == CamMethod.GradCam ? "grad-cam" : "cam", model = card.Id, entries },
            new JsonSerializerOptions { WriteIndented = true }));
        File.Move(index + ".tmp", index, overwrite: true);
        return entries;
    }
}
