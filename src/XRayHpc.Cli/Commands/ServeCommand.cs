using System.CommandLine;
using XRayHpc.Serving;

namespace XRayHpc.Cli.Commands;

/// <summary>`xrayhpc serve RUN [--checkpoint best] [--port 8080] …`: the HTTP prediction endpoint (see README "Serving").</summary>
public sealed class ServeCommand : ICliCommand
{
    public int Order => 44;

    public Command Build()
    {
        var run = new Argument<string>("run") { Description = "Run directory written by `xrayhpc train` (a model package once supported)" };
        var ckpt = new Option<string>("--checkpoint") { Description = "best | latest | member-<i>/step-<N>", DefaultValueFactory = _ => "best" };
        var host = new Option<string>("--host") { Description = "Address to bind (0.0.0.0 for every interface)", DefaultValueFactory = _ => "127.0.0.1" };
        var port = new Option<int>("--port") { Description = "TCP port (0 = any free port, printed at start)", DefaultValueFactory = _ => 8080 };
        var maxBatch = new Option<int>("--max-batch") { Description = "Most images per forward pass", DefaultValueFactory = _ => 8 };
        var maxWait = new Option<int>("--max-wait-ms") { Description = "How long a request waits for others to batch with", DefaultValueFactory = _ => 5 };
        var workers = new Option<int>("--workers") { Description = "Inference threads", DefaultValueFactory = _ => 1 };
        var threads = new Option<int>("--threads") { Description = "libtorch intra-op threads (0 = all cores)", DefaultValueFactory = _ => 0 };
        var maxBody = new Option<long>("--max-body-mb") { Description = "Largest request body in MiB (413 above)", DefaultValueFactory = _ => 32 };
        var maxSide = new Option<int>("--max-image-side") { Description = "Largest image side in pixels, read from the header (413 above)", DefaultValueFactory = _ => 16384 };
        var connections = new Option<long>("--max-connections") { Description = "Concurrent connections Kestrel accepts", DefaultValueFactory = _ => 256 };
        var drain = new Option<int>("--drain-seconds") { Description = "On SIGTERM, how long in-flight requests may take to finish", DefaultValueFactory = _ => 30 };
        var cert = new Option<string?>("--tls-cert") { Description = "PEM certificate: serve HTTPS (with --tls-key)" };
        var key = new Option<string?>("--tls-key") { Description = "PEM private key for --tls-cert" };
        var tokenFile = new Option<string?>("--token-file") { Description = "File holding a bearer token required on /v1/* (off by default)" };
        var cmd = new Command("serve", "HTTP prediction endpoint (Kestrel): POST /v1/predict, GET /v1/model, /healthz, /readyz, /metrics, /openapi.json.");
        cmd.Arguments.Add(run);
        foreach (var o in new Option[] { ckpt, host, port, maxBatch, maxWait, workers, threads, maxBody, maxSide, connections, drain, cert, key, tokenFile }) cmd.Options.Add(o);
        cmd.SetAction(r => ModelCommand.Run(r.GetValue(run)!, r.GetValue(ckpt)!, null, r.GetValue(threads), (model, _) =>
        {
            var options = new ServeOptions
            {
                Host = r.GetValue(host)!, Port = r.GetValue(port), MaxBatch = r.GetValue(maxBatch), MaxWaitMs = r.GetValue(maxWait),
                Workers = r.GetValue(workers), MaxBodyBytes = r.GetValue(maxBody) << 20, MaxImageSide = r.GetValue(maxSide),
                MaxConnections = r.GetValue(connections), DrainSeconds = r.GetValue(drain),
                TlsCertificate = r.GetValue(cert), TlsKey = r.GetValue(key),
                BearerToken = r.GetValue(tokenFile) is { } f ? File.ReadAllText(f).Trim() : null,
            };
            var server = new PredictionServer(model, options);
            server.StartAsync().GetAwaiter().GetResult();
            // The bench and tests read this line to find a port chosen with --port 0.
            Console.WriteLine($"serve: {model.Card.Id} ({model.Card.Architecture}, {model.Card.ClassNames.Count} classes) listening on {server.Scheme}://{options.Host}:{server.Port}");
            Console.Out.Flush();
            server.WaitForShutdownAsync().GetAwaiter().GetResult();
            server.DisposeAsync().AsTask().GetAwaiter().GetResult();
            Console.WriteLine("serve: drained and stopped");
        }));
        return cmd;
    }
}
