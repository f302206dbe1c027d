using System.Buffers.Binary;
using System.Globalization;
using System.Text;
using System.Text.Json;
using XRayHpc.Report.Svg;

namespace XRayHpc.Report;

/// <summary>
/// The report's CAM gallery: what `xrayhpc cam RUN --gallery` left in RUN/cam-gallery (gallery.json + PNGs; format
/// in src/XRayHpc.Explain/CamGallery.cs). One figure per class with its most confident true positive, false positive
/// and false negative of the test split; the PNGs are embedded in the figure's SVG so the page stands alone.
/// </summary>
public static class CamGallerySection
{
    public const string Index = "cam-gallery/gallery.json";
    static readonly string[] Kinds = ["TP", "FP", "FN"];
    static readonly Dictionary<string, string> KindNames = new() { ["TP"] = "most confident true positive", ["FP"] = "most confident false positive", ["FN"] = "most confident false negative" };

    public static void Add(Document doc, string runDir)
    {
        var index = Path.Combine(runDir, Index);
        if (!File.Exists(index)) return; // no gallery made for this run: nothing to show
        doc.Add(new Document.Heading("CAM gallery (test split)"));
        JsonDocument json;
        try { json = JsonDocument.Parse(File.ReadAllText(index)); }
        catch (JsonException e) { throw new ReportInputException(index, null, $"not valid JSON: {e.Message}"); }
        using (json)
        {
            var root = json.RootElement;
            string method = root.TryGetProperty("method", out var m) ? m.GetString() ?? "" : "";
            string model = root.TryGetProperty("model", out var md) ? md.GetString() ?? "" : "";
            var entries = root.GetProperty("entries").EnumerateArray().Select(e => (
                Class: e.GetProperty("class").GetString()!, Kind: e.GetProperty("kind").GetString()!, Row: e.GetProperty("row").GetInt64(),
                P: e.GetProperty("probability").GetDouble(), Threshold: e.GetProperty("threshold").GetDouble(), Png: e.GetProperty("png").GetString()!)).ToList();
            doc.Add(new Document.Paragraph($"{method} maps of `{model}` at the last convolutional stage; red = most weight. " +
                "For each class: the most confident true positive (TP), false positive (FP) and false negative (FN) at the class threshold."));
            foreach (var cls in entries.Select(e => e.Class).Distinct())
            {
                var panels = Kinds.Select(k => entries.FirstOrDefault(e => e.Class == cls && e.Kind == k)).ToList();
                var svg = Figure(runDir, panels.Select((e, i) => e.Png is null ? (Kinds[i], (string?)null, "none in the test split")
                    : (Kinds[i], e.Png, string.Create(CultureInfo.InvariantCulture, $"row {e.Row}, p={e.P:0.000} (threshold {e.Threshold:0.00})"))).ToList());
                var file = "charts/cam-" + string.Concat(cls.Select(c => char.IsAsciiLetterOrDigit(c) ? c : '_')) + ".svg";
                doc.Add(new Document.Chart(file, $"{cls}: " + string.Join("; ", Kinds.Select(k => $"{k} = {KindNames[k]}")), svg));
            }
        }
    }

    static string Figure(string runDir, IReadOnlyList<(string Kind, string? Png, string Caption)> panels)
    {
        const int cell = 240, gap = 12, top = 22, bottom = 20;
        var sb = new StringBuilder();
        int width = panels.Count * (cell + gap) + gap;
        int height = top + cell + 40 + bottom;
        sb.Append(CultureInfo.InvariantCulture, $"<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{width}\" height=\"{height}\" viewBox=\"0 0 {width} {height}\" font-family=\"Helvetica,Arial,sans-serif\" font-size=\"12\">\n");
        for (int i = 0; i < panels.Count; i++)
        {
            int x = gap + i * (cell + gap);
            var (kind, png, caption) = panels[i];
            sb.Append(CultureInfo.InvariantCulture, $"<text x=\"{x}\" y=\"15\" font-weight=\"bold\">{SvgText.Esc(kind)}</text>\n");
            if (png is not null)
            {
                var path = Path.Combine(runDir, png);
                byte[] bytes;
                try { bytes = File.ReadAllBytes(path); }
                catch (IOException e) { throw new ReportInputException(path, null, $"gallery image unreadable: {e.Message}"); }
                var (w, h) = PngSize(bytes, path);
                double scale = Math.Min((double)cell / w, (double)(cell + 40) / h);
                sb.Append(CultureInfo.InvariantCulture, $"<image x=\"{x}\" y=\"{top}\" width=\"{w * scale:0.#}\" height=\"{h * scale:0.#}\" href=\"data:image/png;base64,{Convert.ToBase64String(bytes)}\"/>\n");
            }
            sb.Append(CultureInfo.InvariantCulture, $"<text x=\"{x}\" y=\"{height - 6}\">{SvgText.Esc(caption)}</text>\n");
        }
        sb.Append("</svg>\n");
        return sb.ToString();
    }

    static (int W, int H) PngSize(byte[] png, string path)
    {
        if (png.Length < 24 || png[12] != 'I' || png[13] != 'H' || png[14] != 'D' || png[15] != 'R')
            throw new ReportInputException(path, null, "gallery image is not a PNG");
        return ((int)BinaryPrimitives.ReadUInt32BigEndian(png.AsSpan(16)), (int)BinaryPrimitives.ReadUInt32BigEndian(png.AsSpan(20)));
    }
}
