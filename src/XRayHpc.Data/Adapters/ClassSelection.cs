namespace XRayHpc.Data.Adapters;

/// <summary>The classes an adapter emits: all of the layout's, or the subset/order given in the options.</summary>
internal sealed class ClassSelection
{
    public IReadOnlyList<string> Names { get; }

    public ClassSelection(string layout, IReadOnlyList<string> all, IReadOnlyList<string>? wanted)
    {
        if (wanted is null) { Names = all; return; }
        if (wanted.Count == 0) throw new ArgumentException($"{layout}: the class subset is empty");
        foreach (var w in wanted)
            if (!all.Contains(w))
                throw new ArgumentException($"{layout}: unknown class '{w}' (known: {string.Join(", ", all)})");
        if (wanted.Distinct().Count() != wanted.Count) throw new ArgumentException($"{layout}: duplicate class in subset");
        Names = wanted.ToArray();
    }

    public int Count => Names.Count;

    public static float[] Ones(int n) { var a = new float[n]; Array.Fill(a, 1f); return a; }
}
