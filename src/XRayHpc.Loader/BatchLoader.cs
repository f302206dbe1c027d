using XRayHpc.Cache;

namespace XRayHpc.Loader;

/// <summary>
/// One rank's batches for one epoch, produced by background threads into a bounded reorder buffer.
/// Batch b is built by thread b mod Threads, and no thread runs more than Prefetch batches ahead of
/// the consumer, so memory stays bounded. Batches come out in order and their content depends only on
/// (seed, epoch, rank, world size) — never on the thread count or timing.
/// </summary>
public sealed class BatchLoader : IDisposable
{
    public ShardReader Reader { get; }
    public LoaderOptions Options { get; }
    public EpochPlan Plan { get; }
    public int ImageSize { get; }
    public int Classes { get; }
    /// <summary>Batches this rank yields this epoch. Ranks may differ by a batch: agree on a step count
    /// with <see cref="BatchCounts"/> (no communication needed, every rank can compute it).</summary>
    public int BatchesPerEpoch { get; }

    readonly ImageTransform _transform;
    readonly float[]? _posWeight;
    readonly object _gate = new();
    readonly Lazy<WindowData>?[] _windows;
    readonly int[] _windowLastBatch;
    Batch?[] _ready = [];
    int _consumed;
    bool _stopping, _started;
    Exception? _error;
    readonly List<Thread> _threads = [];

    public BatchLoader(string cacheDir, string split, int rank, int worldSize, LoaderOptions options)
    {
        if (options.BatchSize < 1) throw new ArgumentException($"batch size {options.BatchSize} must be ≥ 1");
        if (options.Threads < 1 || options.Prefetch < 1) throw new ArgumentException("loader threads and prefetch must be ≥ 1");
        Reader = new ShardReader(cacheDir, split, rank, worldSize);
        Options = options;
        var m = Reader.Manifest;
        ImageSize = options.ImageSize ?? m.ImageSize;
        Classes = m.ClassNames.Count;
        Plan = new EpochPlan(Reader.RowGroupsFor(options.Epoch, options.Seed, options.Shuffle), options.ShuffleWindowRowGroups);
        BatchesPerEpoch = CountBatches(Plan.Rows, options);
        var (mean, std) = options.Normalization ?? (m.PixelMean, m.PixelStd);
        _transform = new ImageTransform(m.ImageSize, ImageSize, mean, std, options.Augmentation);
        if (options.Balanced) _posWeight = LabelStats.PosWeight(m.GetSplit(split));
        _windows = Plan.Windows.Select((g, w) => new Lazy<WindowData>(() => WindowData.Load(g, options, rank, w, _posWeight))).ToArray();
        _windowLastBatch = new int[Plan.Windows.Count];
        for (int w = 0; w < Plan.Windows.Count; w++)
            _windowLastBatch[w] = (int)Math.Min(BatchesPerEpoch - 1, (Plan.WindowStart[w + 1] - 1) / options.BatchSize);
    }

    static int CountBatches(long rows, LoaderOptions o) =>
        (int)(o.DropLast ? rows / o.BatchSize : (rows + o.BatchSize - 1) / o.BatchSize);

    /// <summary>Batches per epoch of every rank, computed from the manifest alone.</summary>
    public static int[] BatchCounts(string cacheDir, string split, int worldSize, LoaderOptions o)
    {
        var all = new ShardReader(cacheDir, split, 0, worldSize).AllRowGroups;
        return Enumerable.Range(0, worldSize)
            .Select(r => CountBatches(ShardReader.RowGroupsFor(all, r, worldSize, o.Epoch, o.Seed, o.Shuffle).Sum(g => (long)g.RowCount), o))
            .ToArray();
    }

    /// <summary>The epoch's batches in order. Enumerate once per loader.</summary>
    public IEnumerable<Batch> Batches()
    {
        lock (_gate)
        {
            if (_started) throw new InvalidOperationException("BatchLoader.Batches() enumerates one epoch once; create a loader per epoch");
            _started = true;
            _ready = new Batch?[BatchesPerEpoch];
        }
        for (int t = 0; t < Math.Min(Options.Threads, Math.Max(1, BatchesPerEpoch)); t++)
        {
            int first = t;
            var th = new Thread(() => Work(first)) { IsBackground = true, Name = $"loader-{Reader.Rank}-{t}" };
            _threads.Add(th);
            th.Start();
        }
        for (int b = 0; b < BatchesPerEpoch; b++)
        {
            Batch batch;
            lock (_gate)
            {
                while (_ready[b] is null && _error is null && !_stopping) Monitor.Wait(_gate);
                if (_error is not null) throw new InvalidOperationException($"loader ({Reader.Split}, rank {Reader.Rank}): {_error.Message}", _error);
                if (_stopping) yield break;
                batch = _ready[b]!;
                _ready[b] = null;
                _consumed = b + 1;
                // Windows wholly behind the consumer are dropped so their bytes can be collected.
                for (int w = 0; w < _windows.Length; w++)
                    if (_windows[w] is not null && _windowLastBatch[w] < _consumed) _windows[w] = null;
                Monitor.PulseAll(_gate);
            }
            yield return batch;
        }
    }

    void Work(int first)
    {
        try
        {
            for (int b = first; b < BatchesPerEpoch; b += Options.Threads)
            {
                lock (_gate)
                {
                    while (b >= _consumed + Options.Prefetch && !_stopping) Monitor.Wait(_gate);
                    if (_stopping) return;
                }
                var batch = Build(b);
                lock (_gate) { _ready[b] = batch; Monitor.PulseAll(_gate); }
            }
        }
        catch (Exception e)
        {
            lock (_gate) { _error ??= e; Monitor.PulseAll(_gate); }
        }
    }

    Batch Build(int b)
    {
        long start = (long)b * Options.BatchSize;
        int n = (int)Math.Min(Options.BatchSize, Plan.Rows - start);
        int px = ImageSize * ImageSize;
        var images = new float[n * px];
        var labels = new float[n * Classes];
        var mask = new float[n * Classes];
        var rowIds = new long[n];
        for (int i = 0; i < n; i++)
        {
            long pos = start + i;
            int w = Plan.WindowOf(pos);
            var lazy = _windows[w] ?? throw new InvalidOperationException($"window {w} released before batch {b} used it");
            var win = lazy.Value;
            int slot = (int)(pos - Plan.WindowStart[w]);
            var g = win.Groups[win.SlotGroup[slot]];
            int r = win.SlotRow[slot];
            long rowId = g.Ref.FirstRowId + r;
            rowIds[i] = rowId;
            var img = g.Images[r] ?? throw new InvalidDataException($"{g.Ref.ShardPath}: row group {g.Ref.RowGroup} row {r} has no image");
            _transform.Apply(img, images.AsSpan(i * px, px), Options.Augment,
                ImageTransform.SampleSeed(Options.Seed, Options.Epoch, rowId, win.SlotOccurrence[slot]));
            g.Labels[r].AsSpan().CopyTo(labels.AsSpan(i * Classes, Classes));
            g.LabelMask[r].AsSpan().CopyTo(mask.AsSpan(i * Classes, Classes));
        }
        return new Batch { Count = n, Height = ImageSize, Width = ImageSize, Classes = Classes, Images = images, Labels = labels, LabelMask = mask, RowIds = rowIds, Index = b };
    }

    public void Dispose()
    {
        lock (_gate) { _stopping = true; Monitor.PulseAll(_gate); }
        foreach (var t in _threads) t.Join();
    }
}
