using System.Text;

namespace XRayHpc.Report;

/// <summary>
/// A report as an ordered list of blocks, rendered twice from the same content: Markdown (charts linked
/// as separate .svg files) and a self-contained HTML page (charts inline). Both are deterministic.
/// </summary>
public sealed class Document(string title)
{
    public abstract record Block;
    public sealed record Heading(string Text, int Level = 2) : Block;
    public sealed record Paragraph(string Text) : Block;
    public sealed record Table(IReadOnlyList<string> Header, IReadOnlyList<IReadOnlyList<string>> Rows, IReadOnlyList<bool>? RightAlign = null) : Block;
    /// <summary>An SVG chart; <see cref="FileName"/> is where the Markdown links it (relative to the report).</summary>
    public sealed record Chart(string FileName, string Caption, string Svg) : Block;
    public sealed record Code(string Text) : Block;

    public string Title { get; } = title;
    public List<Block> Blocks { get; } = [];

    public Document Add(Block b) { Blocks.Add(b); return this; }

    public IEnumerable<Chart> Charts => Blocks.OfType<Chart>();

    public string ToMarkdown()
    {
        var sb = new StringBuilder($"# {Title}\n");
        foreach (var b in Blocks)
        {
            sb.Append('\n');
            switch (b)
            {
                case Heading h: sb.Append(new string('#', h.Level)).Append(' ').Append(h.Text).Append('\n'); break;
                case Paragraph p: sb.Append(p.Text).Append('\n'); break;
                case Table t: sb.Append(MarkdownTable(t)); break;
                case Chart c: sb.Append($"![{c.Caption}]({c.FileName})\n"); break;
                case Code c: sb.Append("```\n").Append(c.Text.TrimEnd('\n')).Append("\n```\n"); break;
            }
        }
        return sb.ToString();
    }

    public static string MarkdownTable(Table t)
    {
        string Cell(string s) => s.Replace("|", "\\|").Replace("\n", " ");
        var sb = new StringBuilder();
        sb.Append("| ").Append(string.Join(" | ", t.Header.Select(Cell))).Append(" |\n|");
        for (int i = 0; i < t.Header.Count; i++) sb.Append(t.RightAlign != null && i < t.RightAlign.Count && t.RightAlign[i] ? "---:|" : "---|");
        sb.Append('\n');
        foreach (var r in t.Rows) sb.Append("| ").Append(string.Join(" | ", r.Select(Cell))).Append(" |\n");
        return sb.ToString();
    }

    public string ToHtml()
    {
        static string E(string s) => s.Replace("&", "&amp;").Replace("<", "&lt;").Replace(">", "&gt;");
        var sb = new StringBuilder();
        sb.Append("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\"/>\n")
          .Append($"<title>{E(Title)}</title>\n")
          .Append("<style>body{font-family:Helvetica,Arial,sans-serif;max-width:980px;margin:2em auto;padding:0 1em;color:#222}")
          .Append("table{border-collapse:collapse;margin:1em 0}th,td{border:1px solid #ccc;padding:3px 8px}td.num{text-align:right}")
          .Append("th{background:#f3f3f3}figure{margin:1.5em 0}figcaption{color:#555;font-size:90%}pre{background:#f6f6f6;padding:8px;overflow:auto}</style>\n")
          .Append("</head>\n<body>\n")
          .Append($"<h1>{E(Title)}</h1>\n");
        foreach (var b in Blocks)
        {
            switch (b)
            {
                case Heading h: sb.Append($"<h{h.Level}>{E(h.Text)}</h{h.Level}>\n"); break;
                case Paragraph p: sb.Append($"<p>{InlineCode(E(p.Text))}</p>\n"); break;
                case Table t:
                    sb.Append("<table>\n<tr>").Append(string.Concat(t.Header.Select(h => $"<th>{E(h)}</th>"))).Append("</tr>\n");
                    foreach (var r in t.Rows)
                    {
                        sb.Append("<tr>");
                        for (int i = 0; i < r.Count; i++)
                            sb.Append(t.RightAlign != null && i < t.RightAlign.Count && t.RightAlign[i] ? $"<td class=\"num\">{E(r[i])}</td>" : $"<td>{E(r[i])}</td>");
                        sb.Append("</tr>\n");
                    }
                    sb.Append("</table>\n");
                    break;
                case Chart c: sb.Append("<figure>\n").Append(c.Svg).Append($"<figcaption>{E(c.Caption)}</figcaption>\n</figure>\n"); break;
                case Code c: sb.Append($"<pre>{E(c.Text)}</pre>\n"); break;
            }
        }
        sb.Append("</body>\n</html>\n");
        return sb.ToString();
    }

    // `code` spans in paragraphs, the one piece of inline Markdown the reports use.
    static string InlineCode(string s)
    {
        var parts = s.Split('`');
        var sb = new StringBuilder(parts[0]);
        for (int i = 1; i < parts.Length; i++) sb.Append(i % 2 == 1 ? "<code>" : "</code>").Append(parts[i]);
        if (parts.Length % 2 == 0) sb.Append("</code>");
        return sb.ToString();
    }

    /// <summary>Writes &lt;name&gt;.md, &lt;name&gt;.html and every chart's .svg into <paramref name="dir"/>.</summary>
    public IReadOnlyList<string> WriteTo(string dir, string name)
    {
        Directory.CreateDirectory(dir);
        var written = new List<string>();
        foreach (var c in Charts)
        {
            var path = Path.Combine(dir, c.FileName);
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            WriteAtomic(path, c.Svg);
            written.Add(path);
        }
        WriteAtomic(Path.Combine(dir, name + ".md"), ToMarkdown());
        WriteAtomic(Path.Combine(dir, name + ".html"), ToHtml());
        written.Add(Path.Combine(dir, name + ".md"));
        written.Add(Path.Combine(dir, name + ".html"));
        return written;
    }

    // A reader (browser, CI artifact upload) never sees half a file.
    static void WriteAtomic(string path, string text)
    {
        var tmp = path + ".tmp";
        File.WriteAllText(tmp, text, new UTF8Encoding(false));
        File.Move(tmp, path, overwrite: true);
    }
}
