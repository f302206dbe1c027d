using System.Reflection;
using System.Text;

namespace XRayHpc.Training.Config;

/// <summary>The one naming rule between C# and YAML, shared by the binder and the writer.</summary>
public static class ConfigNames
{
    public static string Snake(string pascal)
    {
        var sb = new StringBuilder();
        for (int i = 0; i < pascal.Length; i++)
        {
            char c = pascal[i];
            if (char.IsUpper(c) && i > 0 && !char.IsUpper(pascal[i - 1])) sb.Append('_');
            sb.Append(char.ToLowerInvariant(c));
        }
        return sb.ToString();
    }

    /// <summary>A section's keys: its public settable properties, a base type's before the derived type's own
    /// (the `tuner:` block lists the tuning library's settings, then the trainer's), in declaration order.</summary>
    public static IEnumerable<PropertyInfo> Keys(Type section) =>
        section.GetProperties(BindingFlags.Public | BindingFlags.Instance).Where(p => p.CanWrite).OrderBy(p => Depth(p.DeclaringType!));

    static int Depth(Type t) { int d = 0; for (var b = t.BaseType; b != null; b = b.BaseType) d++; return d; }

    public static string EnumValue(Enum e) => e.ToString().ToLowerInvariant();

    /// <summary>Closest candidate within edit distance 2 (or a third of the word), for "did you mean" hints.</summary>
    public static string? Suggest(string given, IEnumerable<string> candidates)
    {
        string? best = null; int bestD = int.MaxValue;
        foreach (var c in candidates)
        {
            int d = Distance(given.ToLowerInvariant(), c);
            if (d < bestD) { bestD = d; best = c; }
        }
        return best != null && bestD <= Math.Max(2, given.Length / 3) ? best : null;
    }

    static int Distance(string a, string b)
    {
        var d = new int[a.Length + 1, b.Length + 1];
        for (int i = 0; i <= a.Length; i++) d[i, 0] = i;
        for (int j = 0; j <= b.Length; j++) d[0, j] = j;
        for (int i = 1; i <= a.Length; i++)
            for (int j = 1; j <= b.Length; j++)
            {
                int cost = a[i - 1] == b[j - 1] ? 0 : 1;
                d[i, j] = Math.Min(Math.Min(d[i - 1, j] + 1, d[i, j - 1] + 1), d[i - 1, j - 1] + cost);
                if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1])
                    d[i, j] = Math.Min(d[i, j], d[i - 2, j - 2] + 1);
            }
        return d[a.Length, b.Length];
    }
}
