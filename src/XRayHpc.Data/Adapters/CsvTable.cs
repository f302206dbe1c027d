using System.Globalization;
using CsvHelper;

namespace XRayHpc.Data.Adapters;

/// <summary>One CSV data row: its 1-based line number and fields, or why it could not be read.</summary>
internal readonly record struct CsvRow(long Line, string[] Fields, string? Problem);

/// <summary>
/// Reads a dataset CSV with CsvHelper, keeping bad rows (wrong column count, broken quoting) as rows
/// with a Problem instead of throwing, so the adapter can report them by file and line.
/// </summary>
internal sealed class CsvTable
{
    public string Path { get; }
    public string[] Header { get; }
    private readonly Dictionary<string, int> _columns = new(StringComparer.Ordinal);

    private CsvTable(string path, string[] header)
    {
        Path = path;
        Header = header;
        for (int i = 0; i < header.Length; i++) _columns.TryAdd(header[i].Trim(), i);
    }

    public static CsvTable OpenHeader(string path)
    {
        if (!File.Exists(path)) throw new DataFormatException(path, null, "CSV file not found");
        using var csv = CsvReader.FromFile(path, Options(_ => { }));
        var header = csv.Headers.ToArray();
        if (header.Length == 0) throw new DataFormatException(path, 1, "CSV file is empty (no header row)");
        return new CsvTable(path, header);
    }

    /// <summary>Index of a column the dataset format requires; throws naming the file and column if absent.</summary>
    public int Require(string column) =>
        _columns.TryGetValue(column, out var i) ? i
            : throw new DataFormatException(Path, 1, $"missing column '{column}' in header");

    public int? Optional(string column) => _columns.TryGetValue(column, out var i) ? i : null;

    public IEnumerable<CsvRow> Rows()
    {
        // The reader scans ahead of the record it returns, so malformed-record reports are matched by line.
        var malformed = new Dictionary<long, string>();
        using var csv = CsvReader.FromFile(Path, Options(r => malformed.TryAdd(r.LineNumber, $"malformed CSV record ({r.Reason})")));
        while (true)
        {
            string? readError = null;
            bool more;
            try { more = csv.Read(); }
            catch (CsvFormatException e) { readError = $"unreadable CSV record: {e.Message.Split('\n')[0]}"; more = true; }
            if (!more) yield break;
            long line = readError is null ? csv.LineNumber : 0;
            var fields = readError is null ? csv.Current.ToArray() : [];
            string? problem = readError ?? malformed.GetValueOrDefault(line);
            if (problem is null && fields.Length != Header.Length)
                problem = $"row has {fields.Length} columns, header has {Header.Length}";
            yield return new CsvRow(line, fields, problem);
            if (readError is not null) yield break; // the reader cannot resynchronise reliably
        }
    }

    private static CsvReaderOptions Options(Action<CsvMalformedRecord> onMalformed) => new()
    {
        HasHeader = true,
        TrackLineNumbers = true,
        SkipEmptyLines = true,
        OnMalformedRecord = r => onMalformed(r),
    };
}
