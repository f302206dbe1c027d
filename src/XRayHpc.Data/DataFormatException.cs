namespace XRayHpc.Data;

/// <summary>
/// Bad input in a raw dataset: a CSV row, a missing column, an undecodable image. The message is
/// "file:row: reason" (or "file: reason" when no row applies) so a researcher can go straight to it.
/// </summary>
public sealed class DataFormatException : Exception
{
    public string File { get; }
    /// <summary>1-based line number in the CSV (the header is line 1); null for a whole-file problem.</summary>
    public long? Row { get; }
    public string Reason { get; }

    public DataFormatException(string file, long? row, string reason, Exception? inner = null)
        : base(Format(file, row, reason), inner)
    {
        File = file;
        Row = row;
        Reason = reason;
    }

    private static string Format(string file, long? row, string reason) =>
        row is { } r ? $"{file}:{r}: {reason}" : $"{file}: {reason}";
}
