using XRayHpc.Cache;
using XRayHpc.Determinism;

namespace XRayHpc.Loader;

/// <summary>
/// A rank's epoch as a sequence of windows: each window is a few consecutive row groups (in the
/// rank's permuted order) whose rows are shuffled — or, with class balancing, drawn with replacement
/// — together. Window sizes are known without reading data, so batch counts are known up front;
/// which rows fill a window's slots is decided when its data is read (balancing needs the labels).
/// </summary>
public sealed class EpochPlan
{
    public IReadOnlyList<IReadOnlyList<RowGroupRef>> Windows { get; }
    public long[] WindowStart { get; }
    public long Rows { get; }

    public EpochPlan(IReadOnlyList<RowGroupRef> rankGroups, int windowRowGroups)
    {
        var windows = new List<IReadOnlyList<RowGroupRef>>();
        for (int i = 0; i < rankGroups.Count; i += Math.Max(1, windowRowGroups))
            windows.Add(rankGroups.Skip(i).Take(Math.Max(1, windowRowGroups)).ToList());
        Windows = windows;
        WindowStart = new long[windows.Count + 1];
        for (int w = 0; w < windows.Count; w++) WindowStart[w + 1] = WindowStart[w] + windows[w].Sum(g => (long)g.RowCount);
        Rows = WindowStart[^1];
    }

    public int WindowOf(long position)
    {
        int w = Array.BinarySearch(WindowStart, position);
        if (w < 0) w = ~w - 1;
        while (w + 1 < WindowStart.Length - 1 && WindowStart[w + 1] <= position) w++;
        return w;
    }
}

/// <summary>A loaded window: its row groups' data and, per slot, which row it holds.</summary>
public sealed class WindowData
{
    public required RowGroupData[] Groups { get; init; }
    public required int[] SlotGroup { get; init; }
    public required int[] SlotRow { get; init; }
    public required int[] SlotOccurrence { get; init; }

    public static WindowData Load(IReadOnlyList<RowGroupRef> groups, LoaderOptions o, int rank, int window, float[]? posWeight)
    {
        var data = groups.Select(ShardReader.Read).ToArray();
        var pairs = new List<(int G, int R)>();
        for (int g = 0; g < data.Length; g++)
            for (int r = 0; r < data[g].Ref.RowCount; r++) pairs.Add((g, r));
        var rng = new DeterministicRandom(DeterministicRandom.Mix(o.Seed, o.Epoch, rank, window, 0x5EED));
        var occ = new int[pairs.Count];
        if (o.Balanced && posWeight is not null && pairs.Count > 0)
        {
            // Weighted draws with replacement, as many as the window has rows (so batch counts do not change).
            var cum = new double[pairs.Count];
            double total = 0;
            for (int i = 0; i < pairs.Count; i++)
            {
                var (g, r) = pairs[i];
                total += LabelStats.SampleWeight(data[g].Labels[r], data[g].LabelMask[r], posWeight);
                cum[i] = total;
            }
            var drawn = new (int G, int R)[pairs.Count];
            var seen = new Dictionary<(int, int), int>();
            for (int i = 0; i < drawn.Length; i++)
            {
                double u = rng.NextDouble() * total;
                int j = Array.BinarySearch(cum, u);
                if (j < 0) j = ~j;
                j = Math.Min(j, pairs.Count - 1);
                drawn[i] = pairs[j];
                seen.TryGetValue(pairs[j], out var c);
                occ[i] = c;
                seen[pairs[j]] = c + 1;
            }
            pairs = drawn.ToList();
        }
        else if (o.Shuffle) rng.Shuffle(pairs);
        return new WindowData
        {
            Groups = data,
            SlotGroup = pairs.Select(p => p.G).ToArray(),
            SlotRow = pairs.Select(p => p.R).ToArray(),
            SlotOccurrence = occ,
        };
    }
}
