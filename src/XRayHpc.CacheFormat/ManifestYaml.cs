using YamlDotNet.Serialization;
using YamlDotNet.Serialization.NamingConventions;

namespace XRayHpc.Cache;

/// <summary>The YAML dialect of manifest.yaml and the per-shard sidecars (snake_case keys, unknown keys ignored on read).</summary>
public static class ManifestYaml
{
    public static readonly ISerializer Serializer = new SerializerBuilder()
        .WithNamingConvention(UnderscoredNamingConvention.Instance)
        .ConfigureDefaultValuesHandling(DefaultValuesHandling.Preserve)
        .Build();

    public static readonly IDeserializer Deserializer = new DeserializerBuilder()
        .WithNamingConvention(UnderscoredNamingConvention.Instance)
        .IgnoreUnmatchedProperties()
        .Build();

    // Doubles are written round-trip ("R") by YamlDotNet, and dictionaries keep insertion order, so
    // the same run writes the same bytes.
    public static string Serialize(object o) => Serializer.Serialize(o);
}
