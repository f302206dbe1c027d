using System.Diagnostics;
using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using XRayHpc.Explain;

namespace XRayHpc.Serving;

/// <summary>
/// The HTTP endpoint on Kestrel: POST /v1/predict, GET /v1/model, /healthz, /readyz, /metrics, /openapi.json.
/// The model is loaded once by the caller and shared by a fixed pool of inference threads (<see cref="InferenceQueue"/>).
/// Stopping (SIGTERM through the host, or <see cref="StopAsync"/>) first turns /readyz to 503, then lets Kestrel finish
/// in-flight requests for up to <see cref="ServeOptions.DrainSeconds"/>, then stops the inference threads.
/// </summary>
public sealed class PredictionServer : IAsyncDisposable
{
    readonly WebApplication _app;
    readonly InferenceQueue _queue;
    readonly ServeOptions _options;
    volatile bool _stopping;

    public ServingMetrics Metrics { get; }
    public int Port { get; private set; }
    public string Scheme => _options.TlsCertificate is null ? "http" : "https";

    public PredictionServer(InferenceModel model, ServeOptions options)
    {
        options.Validate();
        _options = options;
        Metrics = new ServingMetrics(options.MaxBatch);
        _queue = new InferenceQueue(model, options, Metrics);
        var handler = new PredictHandler(model, _queue, options);

        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.Logging.AddSimpleConsole(o => o.SingleLine = true).SetMinimumLevel(LogLevel.Warning);
        builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = TimeSpan.FromSeconds(options.DrainSeconds));
        builder.Services.Configure<FormOptions>(o => { o.MultipartBodyLengthLimit = options.MaxBodyBytes; o.ValueCountLimit = 16; });
        builder.WebHost.ConfigureKestrel(k =>
        {
            k.AddServerHeader = false;
            // Our handler enforces MaxBodyBytes and answers 413; Kestrel's own cap is higher so it can still drain a
            // moderately oversized body and the client reads that 413 instead of a reset connection. Beyond it the
            // connection is simply closed.
            k.Limits.MaxRequestBodySize = options.MaxBodyBytes * 2 + (64 << 10);
            k.Limits.MaxConcurrentConnections = options.MaxConnections;
            k.Limits.MaxConcurrentUpgradedConnections = 0;
            k.Limits.RequestHeadersTimeout = TimeSpan.FromSeconds(15);
            var address = IPAddress.Parse(options.Host);
            k.Listen(address, options.Port, l =>
            {
                if (options.TlsCertificate is { } cert)
                    l.UseHttps(X509Certificate2.CreateFromPemFile(cert, options.TlsKey));
            });
        });
        _app = builder.Build();
        _app.Lifetime.ApplicationStopping.Register(() => _stopping = true);

        var card = JsonSerializer.Serialize(new
        {
            id = model.Card.Id, checksum = model.Card.Checksum, architecture = model.Card.Architecture,
            in_channels = model.Card.InChannels, image_size = model.Card.ImageSize,
            normalisation = new { mean = model.Card.PixelMean, std = model.Card.PixelStd },
            classes = model.Card.ClassNames, thresholds = model.Card.Thresholds,
            task = model.Card.MultiClass ? "multiclass" : "multilabel", explain_layer = model.Conv.FeatureLayer,
            provenance = model.Card.Provenance,
        });
        string openApi = ReadOpenApi();

        _app.Use(async (ctx, next) =>
        {
            if (options.BearerToken is { } token && ctx.Request.Path.StartsWithSegments("/v1") && !Authorized(ctx.Request, token))
            {
                ctx.Response.Headers.WWWAuthenticate = "Bearer";
                await Error(ctx, 401, "missing or wrong bearer token");
                return;
            }
            await next(ctx);
        });
        _app.MapGet("/healthz", () => Results.Text("ok\n"));
        _app.MapGet("/readyz", () => _stopping ? Results.Text("stopping\n", statusCode: 503) : Results.Text("ready\n"));
        _app.MapGet("/metrics", () => Results.Text(Metrics.Render(), "text/plain; version=0.0.4"));
        _app.MapGet("/openapi.json", () => Results.Text(openApi, "application/json"));
        _app.MapGet("/v1/model", () => Results.Text(card, "application/json"));
        _app.MapPost("/v1/predict", async (HttpContext ctx) =>
        {
            long start = Stopwatch.GetTimestamp();
            Metrics.Enter();
            int status = 200;
            try
            {
                var result = await handler.Handle(ctx.Request, ctx.RequestAborted);
                ctx.Response.ContentType = "application/json";
                await ctx.Response.WriteAsync(JsonSerializer.Serialize(result, PredictHandler.Json), ctx.RequestAborted);
            }
            catch (RequestError e) { status = e.Status; await Error(ctx, e.Status, e.Message); }
            catch (BadHttpRequestException e) { status = e.StatusCode; await Error(ctx, e.StatusCode, e.StatusCode == 413 ? "request body too large" : "bad request"); }
            catch (InvalidDataException) { status = 400; await Error(ctx, 400, "malformed multipart body"); }
            catch (OperationCanceledException) when (ctx.RequestAborted.IsCancellationRequested) { status = 499; }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                // A bug, not the client's fault: answer 500 and keep serving. Only the type is logged — a message
                // could quote header content.
                status = 500;
                _app.Logger.LogError("predict: unexpected {Type}", e.GetType().FullName);
                await Error(ctx, 500, "internal error");
            }
            finally
            {
                Metrics.Leave();
                Metrics.Request(status, Stopwatch.GetElapsedTime(start).TotalSeconds);
            }
        });
    }

    static bool Authorized(HttpRequest r, string token)
    {
        var h = r.Headers.Authorization.ToString();
        if (!h.StartsWith("Bearer ", StringComparison.Ordinal)) return false;
        return CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(h[7..].Trim()), Encoding.UTF8.GetBytes(token));
    }

    static async Task Error(HttpContext ctx, int status, string message)
    {
        if (ctx.Response.HasStarted) return;
        ctx.Response.StatusCode = status;
        ctx.Response.ContentType = "application/json";
        await ctx.Response.WriteAsync(JsonSerializer.Serialize(new { error = message, status }));
    }

    static string ReadOpenApi()
    {
        using var s = typeof(PredictionServer).Assembly.GetManifestResourceStream("openapi.json")
            ?? throw new InvalidOperationException("openapi.json resource missing from the build");
        return new StreamReader(s).ReadToEnd();
    }

    public async Task StartAsync(CancellationToken cancel = default)
    {
        await _app.StartAsync(cancel);
        var address = _app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        Port = new Uri(address.Replace("[::]", "localhost").Replace("0.0.0.0", "localhost")).Port;
    }

    /// <summary>Runs until SIGTERM/SIGINT (the host's console lifetime), then drains.</summary>
    public Task WaitForShutdownAsync() => _app.WaitForShutdownAsync();

    public async Task StopAsync()
    {
        _stopping = true;
        await _app.StopAsync();
    }

    public async ValueTask DisposeAsync()
    {
        _stopping = true;
        await _app.StopAsync();
        _queue.Dispose();
        await _app.DisposeAsync();
    }
}
