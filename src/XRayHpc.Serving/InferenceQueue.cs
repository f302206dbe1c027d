using System.Diagnostics;
using System.Threading.Channels;
using XRayHpc.Explain;
using XRayHpc.Torch;

namespace XRayHpc.Serving;

/// <summary>One image waiting for inference: normalised input, an optional class to explain, and where the answer goes.</summary>
internal sealed class PendingImage(float[] input, int camClass)
{
    public float[] Input { get; } = input;
    public int CamClass { get; } = camClass;
    public long Enqueued { get; } = Stopwatch.GetTimestamp();
    public TaskCompletionSource<InferenceResult> Done { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
}

/// <summary>Probabilities of one image, the optional map (feature resolution) and how the batch went.</summary>
internal sealed record InferenceResult(float[] Probabilities, CamMaps? Cam, int BatchSize, double QueueSeconds, double InferenceSeconds);

/// <summary>
/// Dynamic batching: requests go into a bounded channel; each of a fixed number of inference threads takes the first
/// waiting image, then whatever else arrives within MaxWaitMs up to MaxBatch, and runs one forward pass for all of
/// them. It skips the wait when nothing suggests company: no request is being read or decoded (<see cref="Expect"/>)
/// and the previous batch was a single image — a lone client would otherwise pay MaxWaitMs per request. Under load
/// the wait stays: closed-loop clients send their next request only after the answer, so the next batch's images
/// reach the server a few milliseconds apart, and "nothing arriving yet" would split it. A batch that already has
/// company waits too: without that, one early lone batch split concurrency 8 into groups of 1 and 7 for good
/// (measured: mean batch 6.2 instead of 7.0–7.6); waiting lets the lone client's next request join the 7.
/// A full queue refuses at once (503) instead of letting latency grow without bound.
/// </summary>
internal sealed class InferenceQueue : IDisposable
{
    readonly Channel<PendingImage> _channel;
    readonly InferenceModel _model;
    readonly ServeOptions _options;
    readonly ServingMetrics _metrics;
    readonly List<Thread> _threads = [];
    /// <summary>The intra-op thread count set on the constructing thread (`--threads`), applied on each worker.</summary>
    readonly int _intraOpThreads;
    long _depth;
    /// <summary>Requests between arrival and <see cref="Submit"/> (reading the body, decoding).</summary>
    long _arriving;

    public InferenceQueue(InferenceModel model, ServeOptions options, ServingMetrics metrics)
    {
        _model = model; _options = options; _metrics = metrics;
        // OpenMP's thread count belongs to the calling thread. libtorch applies its process-wide count to a new thread
        // only lazily, at the thread's first parallel ATen op (a probe read 1 on both workers after set_num_threads(1)
        // without this); setting it first makes --threads hold from the first kernel, oneDNN's own regions included.
        _intraOpThreads = torch.get_num_threads();
        _channel = Channel.CreateBounded<PendingImage>(new BoundedChannelOptions(options.MaxQueue) { FullMode = BoundedChannelFullMode.Wait });
        for (int i = 0; i < options.Workers; i++)
        {
            var t = new Thread(Work) { IsBackground = true, Name = $"xrayhpc-infer-{i}" };
            _threads.Add(t);
            t.Start();
        }
    }

    /// <summary>A request has arrived and will probably <see cref="Submit"/> soon; every call is matched by one
    /// successful <see cref="Submit"/> or one <see cref="Abandon"/>.</summary>
    public void Expect() => Interlocked.Increment(ref _arriving);

    /// <summary>An expected request failed before reaching the queue (bad input, cancelled, queue full).</summary>
    public void Abandon() => Interlocked.Decrement(ref _arriving);

    /// <summary>Queues one expected image; on success it is no longer counted as arriving.</summary>
    public Task<InferenceResult> Submit(float[] input, int camClass)
    {
        var p = new PendingImage(input, camClass);
        if (!_channel.Writer.TryWrite(p)) throw new RequestError(503, "inference queue is full; retry later");
        // Queued before un-counted, so a worker never sees "nothing on the way" while this image is in neither place.
        Interlocked.Decrement(ref _arriving);
        _metrics.QueueDepth(Interlocked.Increment(ref _depth));
        return p.Done.Task;
    }

    void Work()
    {
        torch.set_num_threads(_intraOpThreads);
        var reader = _channel.Reader;
        var batch = new List<PendingImage>(_options.MaxBatch);
        int lastBatch = 0;
        while (true)
        {
            batch.Clear();
            // Blocking wait for the first image (the thread is ours, not the thread pool's).
            if (!reader.WaitToReadAsync().AsTask().GetAwaiter().GetResult()) return;
            if (!reader.TryRead(out var first)) continue;
            batch.Add(first);
            var deadline = Stopwatch.GetTimestamp() + _options.MaxWaitMs * Stopwatch.Frequency / 1000;
            while (batch.Count < _options.MaxBatch)
            {
                if (reader.TryRead(out var next)) { batch.Add(next); continue; }
                if (batch.Count == 1 && lastBatch <= 1 && Interlocked.Read(ref _arriving) == 0) break;
                long left = deadline - Stopwatch.GetTimestamp();
                if (left <= 0) break;
                using var cts = new CancellationTokenSource(TimeSpan.FromTicks(Math.Max(1, left * TimeSpan.TicksPerSecond / Stopwatch.Frequency)));
                try { if (!reader.WaitToReadAsync(cts.Token).AsTask().GetAwaiter().GetResult()) break; }
                catch (OperationCanceledException) { break; }
            }
            _metrics.QueueDepth(Interlocked.Add(ref _depth, -batch.Count));
            lastBatch = batch.Count;
            Run(batch);
        }
    }

    void Run(List<PendingImage> batch)
    {
        long start = Stopwatch.GetTimestamp();
        try
        {
            int n = batch.Count, px = _model.ImageSize * _model.ImageSize, c = _model.Card.ClassNames.Count;
            var input = new float[n * px];
            for (int i = 0; i < n; i++) batch[i].Input.CopyTo(input, i * px);
            var probs = _model.Predict(input, n);
            _metrics.Batch(n);
            double inference = Stopwatch.GetElapsedTime(start).TotalSeconds;
            for (int i = 0; i < n; i++)
            {
                CamMaps? cam = batch[i].CamClass >= 0 ? _model.Cam(batch[i].Input, 1, batch[i].CamClass, CamMethod.GradCam) : null;
                batch[i].Done.TrySetResult(new InferenceResult(probs.AsSpan(i * c, c).ToArray(), cam, n,
                    Stopwatch.GetElapsedTime(batch[i].Enqueued, start).TotalSeconds, inference));
            }
        }
        catch (Exception e) when (e is TorchException or InvalidOperationException or ArgumentException)
        {
            foreach (var p in batch) p.Done.TrySetException(new RequestError(500, $"inference failed: {e.GetType().Name}"));
        }
    }

    /// <summary>Stops taking work once the queue is empty, then waits for the threads.</summary>
    public void Dispose()
    {
        _channel.Writer.TryComplete();
        foreach (var t in _threads) t.Join();
    }
}
