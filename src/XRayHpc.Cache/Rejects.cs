using System.Text;

namespace XRayHpc.Cache;

public static class RejectsFile
{
    public const string FileName = "rejects.csv";

    public static void Write(string cacheDir, IEnumerable<RejectRecord> rejects)
    {
        var sb = new StringBuilder("source_file,source_row,reason\n");
        foreach (var r in rejects.OrderBy(r => r.Item))
            sb.Append(Quote(r.SourceFile)).Append(',').Append(r.SourceRow).Append(',').Append(Quote(r.Reason)).Append('\n');
        AtomicFile.WriteAllText(Path.Combine(cacheDir, FileName), sb.ToString());
    }

    public static List<(string SourceFile, long SourceRow, string Reason)> Read(string cacheDir)
    {
        var result = new List<(string, long, string)>();
        var path = Path.Combine(cacheDir, FileName);
        if (!File.Exists(path)) return result;
        foreach (var line in File.ReadLines(path).Skip(1))
        {
            if (line.Length == 0) continue;
            var f = SplitCsv(line);
            result.Add((f[0], long.Parse(f[1]), f[2]));
        }
        return result;
    }

    static string Quote(string s) =>
        s.IndexOfAny([',', '"', '\n', '\r']) >= 0 ? "\"" + s.Replace("\"", "\"\"").Replace('\n', ' ').Replace('\r', ' ') + "\"" : s;

    static List<string> SplitCsv(string line)
    {
        var fields = new List<string>();
        var sb = new StringBuilder();
        bool q = false;
        for (int i = 0; i < line.Length; i++)
        {
            char c = line[i];
            if (q) { if (c == '"') { if (i + 1 < line.Length && line[i + 1] == '"') { sb.Append('"'); i++; } else q = false; } else sb.Append(c); }
            else if (c == '"') q = true;
            else if (c == ',') { fields.Add(sb.ToString()); sb.Clear(); }
            else sb.Append(c);
        }
        fields.Add(sb.ToString());
        return fields;
    }
}
