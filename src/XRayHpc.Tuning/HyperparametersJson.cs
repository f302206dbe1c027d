using System.Text.Json;
using System.Text.Json.Serialization;

namespace XRayHpc.Tuning;

/// <summary>
/// JSON form of <see cref="Hyperparameters"/>: <c>{"values": {...}}</c>, plus <c>"names": {...}</c> only when there
/// are categorical values, so states and decisions of numeric-only spaces are written exactly as before names
/// existed (and those older states read back unchanged).
/// </summary>
public sealed class HyperparametersJson : JsonConverter<Hyperparameters>
{
    public override Hyperparameters Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        if (reader.TokenType != JsonTokenType.StartObject) throw new JsonException("hyperparameters must be a JSON object");
        Dictionary<string, double>? values = null;
        Dictionary<string, string>? names = null;
        while (reader.Read() && reader.TokenType != JsonTokenType.EndObject)
        {
            var key = reader.GetString();
            reader.Read();
            if (string.Equals(key, "values", StringComparison.OrdinalIgnoreCase))
                values = JsonSerializer.Deserialize<Dictionary<string, double>>(ref reader, options);
            else if (string.Equals(key, "names", StringComparison.OrdinalIgnoreCase))
                names = JsonSerializer.Deserialize<Dictionary<string, string>>(ref reader, options);
            else throw new JsonException($"hyperparameters: unknown property '{key}' (expected values, names)");
        }
        return new Hyperparameters(values ?? new Dictionary<string, double>(), names);
    }

    public override void Write(Utf8JsonWriter writer, Hyperparameters value, JsonSerializerOptions options)
    {
        writer.WriteStartObject();
        writer.WritePropertyName(Name("Values", options));
        JsonSerializer.Serialize(writer, value.Values, options);
        if (value.Names.Count > 0)
        {
            writer.WritePropertyName(Name("Names", options));
            JsonSerializer.Serialize(writer, value.Names, options);
        }
        writer.WriteEndObject();
    }

    // The property names the default record serialisation used ("Values", or "values" under snake_case).
    static string Name(string property, JsonSerializerOptions options) => options.PropertyNamingPolicy?.ConvertName(property) ?? property;
}
