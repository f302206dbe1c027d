using System.Collections;
using System.Globalization;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace XRayHpc.Training.Config;

/// <summary>
/// Binds a YAML node tree onto the typed config classes. We walk YamlDotNet's representation model
/// ourselves (instead of its deserializer) so every error carries the node's line/column and the full key
/// path, unknown keys get a "did you mean" hint, and `--set` overrides go through the very same checks.
/// </summary>
internal sealed class YamlBinder(string source, IReadOnlyDictionary<YamlNode, string> overrideOrigin)
{
    public readonly List<ConfigProblem> Problems = new();
    /// <summary>Where each key path was written, so later range checks can point at it too.</summary>
    public readonly Dictionary<string, (string Source, long Line, long Column)> Locations = new();

    public void Problem(YamlNode node, string path, string reason)
    {
        if (overrideOrigin.TryGetValue(node, out var o)) Problems.Add(new ConfigProblem(o, 0, 0, path, reason));
        else Problems.Add(new ConfigProblem(source, node.Start.Line, node.Start.Column, path, reason));
    }

    void Remember(YamlNode node, string path) =>
        Locations[path] = overrideOrigin.TryGetValue(node, out var o) ? (o, 0, 0) : (source, node.Start.Line, node.Start.Column);

    public void BindObject(object target, YamlNode node, string path)
    {
        Remember(node, path);
        if (node is YamlScalarNode s0 && IsNull(s0)) return; // "section:" with nothing under it keeps defaults
        if (node is YamlScalarNode s1 && target is IScalarShorthand shorthand)
        {
            if (!shorthand.TrySetFromScalar(s1.Value ?? "")) Problem(node, path, $"'{s1.Value}' is not one of {shorthand.Expected}");
            return;
        }
        if (node is not YamlMappingNode map)
        {
            Problem(node, path, $"expected a mapping of keys, got {Describe(node)}");
            return;
        }
        var props = ConfigNames.Keys(target.GetType()).ToDictionary(p => ConfigNames.Snake(p.Name));
        foreach (var (keyNode, valueNode) in map.Children)
        {
            var key = (keyNode as YamlScalarNode)?.Value ?? "";
            var childPath = path.Length == 0 ? key : $"{path}.{key}";
            if (!props.TryGetValue(key, out var prop))
            {
                var hint = ConfigNames.Suggest(key, props.Keys);
                Problem(keyNode, childPath, "unknown key" + (hint != null ? $" (did you mean {hint}?)" : $" (known: {string.Join(", ", props.Keys)})"));
                continue;
            }
            var current = prop.GetValue(target);
            if (IsSection(prop.PropertyType))
            {
                current ??= Activator.CreateInstance(prop.PropertyType)!;
                BindObject(current, valueNode, childPath);
                prop.SetValue(target, current);
            }
            else if (TryConvert(prop.PropertyType, valueNode, childPath, out var value))
                prop.SetValue(target, value);
        }
    }

    static bool IsSection(Type t) => t.IsClass && t != typeof(string) && !typeof(IEnumerable).IsAssignableFrom(t);

    bool TryConvert(Type type, YamlNode node, string path, out object? value)
    {
        Remember(node, path);
        value = null;
        var underlying = Nullable.GetUnderlyingType(type);
        if (node is YamlScalarNode sn && IsNull(sn))
        {
            if (underlying != null || (!type.IsValueType && type != typeof(string))) return true;
            Problem(node, path, $"expected {TypeName(type)}, got null");
            return false;
        }
        type = underlying ?? type;
        if (IsSection(type))
        {
            var obj = Activator.CreateInstance(type)!;
            BindObject(obj, node, path);
            value = obj;
            return true;
        }
        if (type.IsGenericType && type.GetGenericTypeDefinition() == typeof(List<>))
        {
            if (node is not YamlSequenceNode seq) { Problem(node, path, $"expected a list, got {Describe(node)}"); return false; }
            var elem = type.GetGenericArguments()[0];
            var list = (IList)Activator.CreateInstance(type)!;
            bool ok = true; int i = 0;
            foreach (var item in seq.Children)
            {
                if (TryConvert(elem, item, $"{path}[{i++}]", out var v)) list.Add(v); else ok = false;
            }
            value = list;
            return ok;
        }
        if (type.IsGenericType && type.GetGenericTypeDefinition() == typeof(Dictionary<,>))
        {
            if (node is not YamlMappingNode m) { Problem(node, path, $"expected a mapping, got {Describe(node)}"); return false; }
            var valueType = type.GetGenericArguments()[1];
            var dict = (IDictionary)Activator.CreateInstance(type)!;
            bool ok = true;
            foreach (var (k, v) in m.Children)
            {
                var key = (k as YamlScalarNode)?.Value ?? "";
                if (TryConvert(valueType, v, $"{path}.{key}", out var cv)) dict[key] = cv; else ok = false;
            }
            value = dict;
            return ok;
        }
        if (node is not YamlScalarNode scalar) { Problem(node, path, $"expected {TypeName(type)}, got {Describe(node)}"); return false; }
        var text = scalar.Value ?? "";
        if (type == typeof(string)) { value = text; return true; }
        if (type == typeof(bool))
        {
            if (text is "true" or "True" or "TRUE") { value = true; return true; }
            if (text is "false" or "False" or "FALSE") { value = false; return true; }
        }
        else if (type == typeof(int) && int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var i32)) { value = i32; return true; }
        else if (type == typeof(long) && long.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var i64)) { value = i64; return true; }
        else if (type == typeof(double) && double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var d) && double.IsFinite(d)) { value = d; return true; }
        else if (type.IsEnum)
        {
            var names = Enum.GetValues(type).Cast<Enum>().ToDictionary(ConfigNames.EnumValue);
            if (names.TryGetValue(text, out var e)) { value = e; return true; }
            var hint = ConfigNames.Suggest(text, names.Keys);
            Problem(node, path, $"'{text}' is not one of {string.Join(" | ", names.Keys)}" + (hint != null ? $" (did you mean {hint}?)" : ""));
            return false;
        }
        Problem(node, path, $"expected {TypeName(type)}, got '{text}'");
        return false;
    }

    static bool IsNull(YamlScalarNode s) => s.Style == ScalarStyle.Plain && (s.Value is null or "" or "~" or "null" or "Null" or "NULL");

    static string Describe(YamlNode n) => n switch
    {
        YamlMappingNode => "a mapping",
        YamlSequenceNode => "a list",
        YamlScalarNode s => $"'{s.Value}'",
        _ => n.NodeType.ToString(),
    };

    static string TypeName(Type t) =>
        t == typeof(int) || t == typeof(long) ? "an integer" :
        t == typeof(double) ? "a finite number" :
        t == typeof(bool) ? "true or false" :
        t == typeof(string) ? "a string" : t.Name;
}
