using System.Globalization;
using System.Text.Json;

namespace XRayHpc.Parquet.Tests;

/// <summary>
/// Turns column values (ours, or an oracle's JSON dump) into comparable strings: integers in decimal,
/// floats as the exact double value ("R"), bytes as lowercase hex, lists as [a,b], null as null.
/// </summary>
public static class Canonical
{
    static string F(double d) => double.IsNaN(d) ? "NaN" : double.IsPositiveInfinity(d) ? "Infinity" : double.IsNegativeInfinity(d) ? "-Infinity" : d.ToString("R", CultureInfo.InvariantCulture);

    public static List<string?> Of(ColumnData c)
    {
        var r = new List<string?>(c.Count);
        if (c.IsList)
        {
            for (int i = 0; i < c.Count; i++)
            {
                if (c.IsNull(i)) { r.Add(null); continue; }
                IEnumerable<string> items = c.Type switch
                {
                    ParquetType.Float => c.AsFloatLists()[i]!.Select(v => F(v)),
                    ParquetType.Double => c.AsDoubleLists()[i]!.Select(F),
                    ParquetType.Int64 => c.AsInt64Lists()[i]!.Select(v => v.ToString(CultureInfo.InvariantCulture)),
                    _ => ListInts(c, i),
                };
                r.Add("[" + string.Join(",", items) + "]");
            }
            return r;
        }
        switch (c.Type)
        {
            case ParquetType.Int32: r.AddRange(c.AsNullableInt32().Select(v => v?.ToString(CultureInfo.InvariantCulture))); break;
            case ParquetType.Int64: r.AddRange(c.AsNullableInt64().Select(v => v?.ToString(CultureInfo.InvariantCulture))); break;
            case ParquetType.Float: r.AddRange(c.AsNullableFloat().Select(v => v is { } f ? F(f) : null)); break;
            case ParquetType.Double: r.AddRange(c.AsNullableDouble().Select(v => v is { } f ? F(f) : null)); break;
            case ParquetType.Boolean: r.AddRange(c.AsNullableBoolean().Select(v => v is { } b ? (b ? "true" : "false") : null)); break;
            case ParquetType.String: r.AddRange(c.AsStrings()); break;
            default: r.AddRange(c.AsBinary().Select(v => v is null ? null : Convert.ToHexString(v).ToLowerInvariant())); break;
        }
        return r;
    }

    // int lists from other writers may hold null elements, shown as "null"
    static IEnumerable<string> ListInts(ColumnData c, int row) =>
        c.AsNullableInt32Lists()[row]!.Select(v => v?.ToString(CultureInfo.InvariantCulture) ?? "null");

    public static List<string?> Of(JsonElement values, ParquetType type)
    {
        var r = new List<string?>();
        foreach (var v in values.EnumerateArray()) r.Add(One(v, type));
        return r;
    }

    static string? One(JsonElement v, ParquetType type) => v.ValueKind switch
    {
        JsonValueKind.Null => null,
        JsonValueKind.Array => "[" + string.Join(",", v.EnumerateArray().Select(e => One(e, type) ?? (type is ParquetType.Float or ParquetType.Double ? "NaN" : "null"))) + "]",
        JsonValueKind.True => "true",
        JsonValueKind.False => "false",
        JsonValueKind.Number => type is ParquetType.Float or ParquetType.Double ? F(v.GetDouble()) : v.GetRawText(),
        JsonValueKind.String => v.GetString(),
        _ => v.GetRawText(),
    };
}
