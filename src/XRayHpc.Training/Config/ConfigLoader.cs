using System.Collections;
using System.Globalization;
using YamlDotNet.Core;
using YamlDotNet.Core.Events;
using YamlDotNet.RepresentationModel;

namespace XRayHpc.Training.Config;

/// <summary>
/// YAML file + `--set a.b=c` overrides -> validated <see cref="ExperimentConfig"/>, or a
/// <see cref="ConfigException"/> listing every problem with file:line:column and key path.
/// Reads only: nothing is written until the config is known to be valid.
/// </summary>
public static class ConfigLoader
{
    public static ExperimentConfig LoadFile(string path, IEnumerable<string>? overrides = null)
    {
        string text;
        try { text = File.ReadAllText(path); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new ConfigException([new ConfigProblem(path, 0, 0, "", $"cannot read config: {e.Message}")]);
        }
        return Load(text, path, overrides);
    }

    public static ExperimentConfig Load(string yaml, string source, IEnumerable<string>? overrides = null)
    {
        var root = Parse(yaml, source, 0) as YamlMappingNode;
        if (root == null)
        {
            var parsed = Parse(yaml, source, 0);
            if (parsed is YamlScalarNode s && (s.Value ?? "") == "") root = new YamlMappingNode();
            else throw new ConfigException([new ConfigProblem(source, parsed.Start.Line, parsed.Start.Column, "", "the config must be a mapping of sections (run, data, model, ...)")]);
        }
        var origin = new Dictionary<YamlNode, string>(ReferenceEqualityComparer.Instance);
        var problems = new List<ConfigProblem>();
        foreach (var o in overrides ?? [])
            ApplyOverride(root, o, origin, problems);
        if (problems.Count > 0) throw new ConfigException(problems);

        var config = new ExperimentConfig();
        var binder = new YamlBinder(source, origin);
        binder.BindObject(config, root, "");
        if (binder.Problems.Count > 0) throw new ConfigException(binder.Problems);
        var invalid = ConfigValidator.Check(config)
            .Select(p => binder.Locations.TryGetValue(p.Path, out var at)
                ? new ConfigProblem(at.Source, at.Line, at.Column, p.Path, p.Reason)
                : new ConfigProblem(source, 0, 0, p.Path, p.Reason)).ToList();
        if (invalid.Count > 0) throw new ConfigException(invalid);
        return config;
    }

    static YamlNode Parse(string yaml, string source, int _)
    {
        var parser = new TrackingParser(new Parser(new StringReader(yaml)));
        try
        {
            var stream = new YamlStream();
            stream.Load(parser);
            return stream.Documents.Count == 0 ? new YamlScalarNode("") : stream.Documents[0].RootNode;
        }
        catch (YamlException e)
        {
            // YamlDotNet's message repeats the position; keep only the reason.
            var reason = e.InnerException?.Message ?? e.Message;
            int idx = reason.IndexOf("): ", StringComparison.Ordinal);
            if (reason.StartsWith("(Line", StringComparison.Ordinal) && idx > 0) reason = reason[(idx + 3)..];
            throw new ConfigException([new ConfigProblem(source, e.Start.Line, e.Start.Column, "", "invalid YAML: " + reason)]);
        }
        catch (InvalidOperationException e)
        {
            // Some malformed input trips the scanner without a YamlException; report where parsing got to.
            var at = parser.LastGood;
            throw new ConfigException([new ConfigProblem(source, at.Line, at.Column, "", "invalid YAML: cannot parse after this point (" + e.Message + ")")]);
        }
    }

    /// <summary>Remembers the last event parsed successfully, for errors that carry no position.</summary>
    sealed class TrackingParser(IParser inner) : IParser
    {
        public Mark LastGood { get; private set; } = new(0, 1, 1);
        public ParsingEvent? Current => inner.Current;
        public bool MoveNext()
        {
            bool more = inner.MoveNext();
            if (inner.Current != null) LastGood = inner.Current.Start;
            return more;
        }
    }

    /// <summary>`a.b.c=value`: the value is parsed as YAML (so lists and numbers keep their type) and grafted in.</summary>
    static void ApplyOverride(YamlMappingNode root, string assignment, Dictionary<YamlNode, string> origin, List<ConfigProblem> problems)
    {
        var label = $"--set {assignment}";
        int eq = assignment.IndexOf('=');
        if (eq <= 0) { problems.Add(new ConfigProblem(label, 0, 0, "", "expected key.path=value")); return; }
        var keys = assignment[..eq].Trim().Split('.');
        if (keys.Any(k => k.Length == 0)) { problems.Add(new ConfigProblem(label, 0, 0, assignment[..eq], "empty key in path")); return; }
        YamlNode value;
        try { value = Parse(assignment[(eq + 1)..], label, 0); }
        catch (ConfigException ce) { problems.AddRange(ce.Problems); return; }
        foreach (var n in value.AllNodes) origin[n] = label;

        var map = root;
        for (int i = 0; i < keys.Length - 1; i++)
        {
            var k = new YamlScalarNode(keys[i]);
            if (map.Children.TryGetValue(k, out var child) && child is YamlMappingNode m) { map = m; continue; }
            var created = new YamlMappingNode();
            origin[k] = label; origin[created] = label;
            map.Children[k] = created;
            map = created;
        }
        var leaf = new YamlScalarNode(keys[^1]);
        origin[leaf] = label;
        map.Children.Remove(leaf);
        map.Children.Add(leaf, value);
    }

    /// <summary>The resolved config as YAML, in the same key names the loader accepts (it round-trips).</summary>
    public static string ToYaml(ExperimentConfig config)
    {
        var stream = new YamlStream(new YamlDocument(ToNode(config)));
        var w = new StringWriter(CultureInfo.InvariantCulture);
        stream.Save(w, assignAnchors: false);
        var text = w.ToString();
        return text.EndsWith("...\n") ? text[..^4] : text.Replace("\n...\n", "\n");
    }

    static YamlNode ToNode(object? value)
    {
        switch (value)
        {
            case null: return new YamlScalarNode("null");
            case IScalarValue v: return ToNode(v.Scalar);
            case string s: return new YamlScalarNode(s) { Style = ScalarStyle.DoubleQuoted };
            case bool b: return new YamlScalarNode(b ? "true" : "false");
            case double d: return new YamlScalarNode(d.ToString("R", CultureInfo.InvariantCulture));
            case Enum e: return new YamlScalarNode(ConfigNames.EnumValue(e));
            case IFormattable f when value.GetType().IsPrimitive: return new YamlScalarNode(f.ToString(null, CultureInfo.InvariantCulture));
            case IDictionary dict:
            {
                var m = new YamlMappingNode();
                foreach (DictionaryEntry kv in dict) m.Add(new YamlScalarNode((string)kv.Key), ToNode(kv.Value));
                return m;
            }
            case IEnumerable list:
            {
                var seq = new YamlSequenceNode { Style = SequenceStyle.Flow };
                foreach (var item in list) seq.Add(ToNode(item));
                return seq;
            }
            default:
            {
                var m = new YamlMappingNode();
                foreach (var p in ConfigNames.Keys(value.GetType()))
                {
                    var v = p.GetValue(value);
                    if (v == null) continue; // omitted == null for optional members (e.g. unused domain forms)
                    m.Add(new YamlScalarNode(ConfigNames.Snake(p.Name)), ToNode(v));
                }
                return m;
            }
        }
    }
}
