using System.Globalization;
using System.Text;

namespace XRayHpc.Serving;

/// <summary>Prometheus counters and histograms of the server (text exposition format 0.0.4). Thread-safe.</summary>
public sealed class ServingMetrics
{
    static readonly double[] LatencyBuckets = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
    readonly Dictionary<int, long> _byStatus = [];
    readonly Histogram _latency = new(LatencyBuckets);
    readonly Histogram _batch;
    readonly object _gate = new();
    long _queueDepth, _inFlight;

    public ServingMetrics(int maxBatch)
    {
        _batch = new Histogram(Enumerable.Range(1, maxBatch).Select(b => (double)b).ToArray());
    }

    public void Request(int status, double seconds)
    {
        lock (_gate)
        {
            _byStatus[status] = _byStatus.GetValueOrDefault(status) + 1;
            _latency.Observe(seconds);
        }
    }

    public void Batch(int size) { lock (_gate) _batch.Observe(size); }
    public void QueueDepth(long depth) => Interlocked.Exchange(ref _queueDepth, depth);
    public long InFlight => Interlocked.Read(ref _inFlight);
    public void Enter() => Interlocked.Increment(ref _inFlight);
    public void Leave() => Interlocked.Decrement(ref _inFlight);

    public long RequestsWithStatus(int status) { lock (_gate) return _byStatus.GetValueOrDefault(status); }

    public string Render()
    {
        var sb = new StringBuilder();
        lock (_gate)
        {
            sb.Append("# HELP xrayhpc_requests_total HTTP requests answered, by status code.\n# TYPE xrayhpc_requests_total counter\n");
            foreach (var (status, n) in _byStatus.OrderBy(kv => kv.Key))
                sb.Append(CultureInfo.InvariantCulture, $"xrayhpc_requests_total{{status=\"{status}\"}} {n}\n");
            _latency.Render(sb, "xrayhpc_request_duration_seconds", "Request latency from arrival to answer.");
            _batch.Render(sb, "xrayhpc_batch_size", "Images per forward pass.");
        }
        sb.Append("# HELP xrayhpc_queue_depth Requests waiting for inference.\n# TYPE xrayhpc_queue_depth gauge\n")
          .Append(CultureInfo.InvariantCulture, $"xrayhpc_queue_depth {Interlocked.Read(ref _queueDepth)}\n");
        sb.Append("# HELP xrayhpc_in_flight_requests Prediction requests being handled.\n# TYPE xrayhpc_in_flight_requests gauge\n")
          .Append(CultureInfo.InvariantCulture, $"xrayhpc_in_flight_requests {InFlight}\n");
        return sb.ToString();
    }

    sealed class Histogram(double[] bounds)
    {
        readonly long[] _counts = new long[bounds.Length + 1];
        double _sum;
        long _count;

        public void Observe(double v)
        {
            int i = 0;
            while (i < bounds.Length && v > bounds[i]) i++;
            _counts[i]++;
            _sum += v;
            _count++;
        }

        public void Render(StringBuilder sb, string name, string help)
        {
            sb.Append($"# HELP {name} {help}\n# TYPE {name} histogram\n");
            long cumulative = 0;
            for (int i = 0; i < bounds.Length; i++)
            {
                cumulative += _counts[i];
                sb.Append(CultureInfo.InvariantCulture, $"{name}_bucket{{le=\"{bounds[i]}\"}} {cumulative}\n");
            }
            sb.Append(CultureInfo.InvariantCulture, $"{name}_bucket{{le=\"+Inf\"}} {_count}\n{name}_sum {_sum}\n{name}_count {_count}\n");
        }
    }
}
