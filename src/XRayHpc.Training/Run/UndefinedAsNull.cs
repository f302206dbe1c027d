using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace XRayHpc.Training.Run;

/// <summary>
/// A metric that is undefined at an evaluation (AUROC of a class without positives, a NaN loss) is written as
/// JSON null, not as the string "NaN" among numbers, and reads back as NaN (so it is never finite, never "best").
/// Older files with "NaN"/"Infinity" strings still read.
/// </summary>
public sealed class UndefinedAsNull : JsonConverter<double>
{
    public override bool HandleNull => true;

    public override double Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) => reader.TokenType switch
    {
        JsonTokenType.Null => double.NaN,
        JsonTokenType.Number => reader.GetDouble(),
        JsonTokenType.String when double.TryParse(reader.GetString(), NumberStyles.Float, CultureInfo.InvariantCulture, out var d) => d,
        _ => throw new JsonException($"expected a number or null, got {reader.TokenType}"),
    };

    public override void Write(Utf8JsonWriter writer, double value, JsonSerializerOptions options)
    {
        if (double.IsFinite(value)) writer.WriteNumberValue(value);
        else writer.WriteNullValue();
    }
}
