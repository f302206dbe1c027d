namespace XRayHpc.Serving;

/// <summary>Everything `xrayhpc serve` takes, as one typed object. Limits protect the server from its clients.</summary>
public sealed record ServeOptions
{
    /// <summary>Address to bind; loopback by default (a cluster-internal deployment sets 0.0.0.0 deliberately).</summary>
    public string Host { get; init; } = "127.0.0.1";
    /// <summary>0 = any free port (read it back from <see cref="PredictionServer.Port"/>).</summary>
    public int Port { get; init; } = 8080;
    /// <summary>Most images one forward pass takes.</summary>
    public int MaxBatch { get; init; } = 8;
    /// <summary>How long the first request of a batch waits for company.</summary>
    public int MaxWaitMs { get; init; } = 5;
    /// <summary>Inference threads (each runs whole batches); libtorch intra-op threads are set separately.</summary>
    public int Workers { get; init; } = 1;
    /// <summary>Requests waiting for inference beyond this are answered 503 at once.</summary>
    public int MaxQueue { get; init; } = 256;
    public long MaxBodyBytes { get; init; } = 32L << 20;
    /// <summary>Largest accepted image side and pixel count, read from the header before any decoding.</summary>
    public int MaxImageSide { get; init; } = 16384;
    public long MaxImagePixels { get; init; } = 64L << 20;
    public int DecodeTimeoutMs { get; init; } = 10_000;
    /// <summary>Decodes running at once (CPU-bound; more would only queue on the cores).</summary>
    public int MaxConcurrentDecodes { get; init; } = Math.Max(1, Environment.ProcessorCount);
    public long MaxConnections { get; init; } = 256;
    /// <summary>On SIGTERM: stop accepting, finish in-flight requests for at most this long.</summary>
    public int DrainSeconds { get; init; } = 30;
    /// <summary>PEM certificate and key: HTTPS instead of HTTP. Off by default.</summary>
    public string? TlsCertificate { get; init; }
    public string? TlsKey { get; init; }
    /// <summary>When set, every /v1/* request needs "Authorization: Bearer &lt;token&gt;". Off by default.</summary>
    public string? BearerToken { get; init; }

    public void Validate()
    {
        if (Port is < 0 or > 65535) throw new ArgumentException($"--port {Port}: expected 0..65535");
        if (MaxBatch < 1 || MaxWaitMs < 0 || Workers < 1 || MaxQueue < 1) throw new ArgumentException("--max-batch, --workers and the queue must be ≥ 1, --max-wait-ms ≥ 0");
        if (MaxBodyBytes < 1024 || MaxImageSide < 8 || MaxImagePixels < 64) throw new ArgumentException("body/image limits are too small");
        if ((TlsCertificate is null) != (TlsKey is null)) throw new ArgumentException("TLS needs both --tls-cert and --tls-key");
        if (BearerToken is { Length: < 16 }) throw new ArgumentException("the bearer token must have at least 16 characters");
    }
}
