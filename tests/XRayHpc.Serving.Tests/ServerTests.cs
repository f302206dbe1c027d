using System.Buffers.Binary;
using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using Xunit.Abstractions;
using XRayHpc.Data;
using XRayHpc.Data.Decoders;
using XRayHpc.Data.Dicom;
using XRayHpc.Explain;

namespace XRayHpc.Serving.Tests;

/// <summary>
/// The endpoint on a loopback port chosen by the OS, serving a real (tiny) run: valid PNG/DICOM requests score exactly
/// like `xrayhpc predict` on the same cache rows, JPEG like the same decoded film; bad input of every kind gets a 4xx
/// with a message and leaves the server healthy and its memory bounded.
/// </summary>
[Collection(TinyRunCollection.Name)]
public sealed class ServerTests(TinyRun run, ITestOutputHelper output)
{
    const string FakePatient = "DOE^JANE^SERVETEST";

    async Task<(PredictionServer Server, HttpClient Client, InferenceModel Model)> Start(ServeOptions? options = null)
    {
        var model = new InferenceModel(new RunModelSource(run.RunDir, "best"));
        var server = new PredictionServer(model, (options ?? new ServeOptions()) with { Host = "127.0.0.1", Port = 0 });
        await server.StartAsync();
        Assert.True(server.Port > 0);
        var client = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{server.Port}"), Timeout = TimeSpan.FromSeconds(60) };
        return (server, client, model);
    }

    static ByteArrayContent Body(byte[] data, string type)
    {
        var c = new ByteArrayContent(data);
        c.Headers.ContentType = new MediaTypeHeaderValue(type);
        return c;
    }

    static byte[] Dicom(byte[] pixels, int size) => new DicomWriter()
        .String(DicomTags.Modality, "CS", "CR").String(DicomTags.PatientName, "PN", FakePatient).String(DicomTags.PatientId, "LO", "PID-778899")
        .Pixels(size, size, 8, 8, false, pixels).ToBytes(sopInstanceUid: "2.25.1.2.3");

    static double[] Probabilities(string json, string[] classes)
    {
        using var doc = JsonDocument.Parse(json);
        var byName = doc.RootElement.GetProperty("classes").EnumerateArray()
            .ToDictionary(e => e.GetProperty("name").GetString()!, e => e.GetProperty("probability").GetDouble());
        return classes.Select(c => byName[c]).ToArray();
    }

    [Fact]
    public async Task Png_dicom_and_jpeg_score_like_predict()
    {
        var (server, client, model) = await Start(new ServeOptions { MaxBatch = 4, MaxWaitMs = 20 });
        var console = new StringWriter();
        var oldOut = Console.Out;
        Console.SetOut(console);
        try
        {
            var classes = model.Card.ClassNames.ToArray();
            var rows = SplitImages.Read(run.Cache, "test").ToList();
            Assert.NotEmpty(rows);
            int s = model.ImageSize;
            double maxDiff = 0;
            // Concurrent requests, so the server batches them (checked in /metrics below).
            var tasks = rows.SelectMany(r => new[]
            {
                (r, "image/png", PngEncoder.EncodeGray8(r.Pixels, s, s)),
                (r, "application/dicom", Dicom(r.Pixels, s)),
            }).Select(async t =>
            {
                var resp = await client.PostAsync("/v1/predict", Body(t.Item3, t.Item2));
                var text = await resp.Content.ReadAsStringAsync();
                Assert.True(resp.StatusCode == HttpStatusCode.OK, $"{t.Item2}: {(int)resp.StatusCode} {text}");
                return (t.r.RowId, Probs: Probabilities(text, classes));
            }).ToList();
            foreach (var (row, probs) in await Task.WhenAll(tasks))
                for (int k = 0; k < classes.Length; k++)
                    maxDiff = Math.Max(maxDiff, Math.Abs(probs[k] - run.Predicted[(row, classes[k])]));
            output.WriteLine($"{rows.Count} test rows as PNG and DICOM: max |served − predict| = {maxDiff:E2}");
            Assert.True(maxDiff <= 1e-6, $"served probabilities differ from predict by {maxDiff:E2}");

            // JPEG is lossy: compare with the model on the same decoded film (the path `cam --image` uses).
            var jpeg = JpegCodec.EncodeGray(rows[0].Pixels, s, s, 90);
            var jr = await client.PostAsync("/v1/predict?cam=" + Uri.EscapeDataString(classes[^1]), Body(jpeg, "image/jpeg"));
            var jtext = await jr.Content.ReadAsStringAsync();
            Assert.Equal(HttpStatusCode.OK, jr.StatusCode);
            var decoded = model.Resize(ImageDecoder.Decode(jpeg, "jpeg", s));
            var floats = new float[s * s];
            model.Normalise(decoded, floats);
            var expected = model.Predict(floats, 1);
            var got = Probabilities(jtext, classes);
            for (int k = 0; k < classes.Length; k++) Assert.True(Math.Abs(got[k] - expected[k]) <= 1e-6, $"JPEG class {k}: {got[k]} vs {expected[k]}");
            using (var doc = JsonDocument.Parse(jtext))
            {
                var cam = doc.RootElement.GetProperty("cam");
                Assert.Equal(classes[^1], cam.GetProperty("class").GetString());
                var png = PngDecoder.Decode(Convert.FromBase64String(cam.GetProperty("png_base64").GetString()!), "cam");
                Assert.True(png.Width >= s && png.Height > png.Width, $"heat map {png.Width}x{png.Height}");
                Assert.Equal(model.Card.Checksum, doc.RootElement.GetProperty("model").GetProperty("checksum").GetString());
            }

            // Multipart upload of the same PNG scores the same.
            var form = new MultipartFormDataContent { { Body(PngEncoder.EncodeGray8(rows[0].Pixels, s, s), "image/png"), "file", "x.png" } };
            var mr = await client.PostAsync("/v1/predict", form);
            Assert.Equal(HttpStatusCode.OK, mr.StatusCode);
            var mp = Probabilities(await mr.Content.ReadAsStringAsync(), classes);
            Assert.True(Math.Abs(run.Predicted[(rows[0].RowId, classes[0])] - mp[0]) <= 1e-6, $"multipart: {mp[0]}");

            var metrics = await client.GetStringAsync("/metrics");
            Assert.Contains("xrayhpc_requests_total{status=\"200\"}", metrics);
            Assert.Contains("xrayhpc_batch_size_bucket", metrics);
            Assert.Contains("xrayhpc_queue_depth", metrics);
            Assert.True(server.Metrics.RequestsWithStatus(200) >= 2 * rows.Count + 2);
            var card = await client.GetStringAsync("/v1/model");
            Assert.Contains(classes[0], card);
            Assert.Contains("\"openapi\"", await client.GetStringAsync("/openapi.json"));
        }
        finally
        {
            Console.SetOut(oldOut);
            await server.DisposeAsync();
            model.Dispose();
        }
        Assert.DoesNotContain("DOE", console.ToString());
        Assert.DoesNotContain("PID-778899", console.ToString());
    }

    [Fact]
    public async Task Bad_input_gets_4xx_and_the_server_stays_healthy_with_bounded_memory()
    {
        var (server, client, model) = await Start(new ServeOptions { MaxBodyBytes = 1 << 20, MaxBatch = 8, MaxWaitMs = 2 });
        try
        {
            int s = model.ImageSize;
            var row = SplitImages.Read(run.Cache, "test").First();
            var png = PngEncoder.EncodeGray8(row.Pixels, s, s);
            var jpeg = JpegCodec.EncodeGray(row.Pixels, s, s, 90);
            var dicom = Dicom(row.Pixels, s);

            async Task<(int Status, string Text)> Post(byte[] data, string type)
            {
                var r = await client.PostAsync("/v1/predict", Body(data, type));
                return ((int)r.StatusCode, await r.Content.ReadAsStringAsync());
            }

            // Warm-up, then the memory baseline.
            Assert.Equal(200, (await Post(png, "image/png")).Status);
            long rssBefore = Process.GetCurrentProcess().WorkingSet64;

            // Specific refusals.
            var oversized = await Post(new byte[(1 << 20) + 4096], "image/png");
            Assert.Equal(413, oversized.Status);
            var bomb = await Post(PngHeaderOnly(60_000, 60_000), "image/png");
            Assert.Equal(413, bomb.Status);
            Assert.Contains("60000x60000", bomb.Text);
            var truncatedDicom = await Post(dicom[..(dicom.Length - s * s / 2)], "application/dicom");
            Assert.Equal(422, truncatedDicom.Status);
            Assert.Equal(415, (await Post(png, "text/plain")).Status);
            Assert.Equal(422, (await Post("hello"u8.ToArray(), "image/png")).Status);
            Assert.Equal(400, (await Post([], "image/png")).Status);
            Assert.Equal(HttpStatusCode.BadRequest, (await client.PostAsync("/v1/predict?cam=NoSuchClass", Body(png, "image/png"))).StatusCode);
            foreach (var r in new[] { oversized, bomb, truncatedDicom }) Assert.Contains("\"error\"", r.Text);

            // 1,000 mutated files: truncations, byte flips in the header region and random splices of all three formats.
            var rng = new Random(16);
            var statuses = new Dictionary<int, int>();
            var originals = new (byte[] Data, string Type)[] { (png, "image/png"), (jpeg, "image/jpeg"), (dicom, "application/dicom") };
            for (int batch = 0; batch < 50; batch++)
            {
                var sends = Enumerable.Range(0, 20).Select(_ =>
                {
                    var (data, type) = originals[rng.Next(originals.Length)];
                    return Post(Mutate(data, rng), type);
                }).ToList();
                foreach (var (status, text) in await Task.WhenAll(sends))
                {
                    statuses[status] = statuses.GetValueOrDefault(status) + 1;
                    Assert.True(status == 200 || status is >= 400 and < 500, $"mutated input answered {status}: {text}");
                    if (status != 200) Assert.Contains("\"error\"", text);
                }
            }
            output.WriteLine("1,000 mutated files: " + string.Join(", ", statuses.OrderBy(kv => kv.Key).Select(kv => $"{kv.Key}: {kv.Value}")));
            Assert.True(statuses.Where(kv => kv.Key >= 400).Sum(kv => kv.Value) >= 500, "most structural mutations must be refused");

            // Still healthy, still correct.
            Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/healthz")).StatusCode);
            Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/readyz")).StatusCode);
            var again = await Post(png, "image/png");
            Assert.Equal(200, again.Status);
            GC.Collect();
            long growth = Process.GetCurrentProcess().WorkingSet64 - rssBefore;
            output.WriteLine($"working set growth over the bad-input run: {growth / (1 << 20)} MiB");
            Assert.True(growth < 400L << 20, $"working set grew by {growth >> 20} MiB");
        }
        finally
        {
            await server.DisposeAsync();
            model.Dispose();
        }
    }

    /// <summary>Truncated files always; otherwise a few bytes overwritten within the first 300 (headers, markers,
    /// chunk lengths), or a random slice of the file repeated.</summary>
    static byte[] Mutate(byte[] data, Random rng)
    {
        switch (rng.Next(3))
        {
            case 0: return data[..rng.Next(1, data.Length - 1)];
            case 1:
            {
                var d = (byte[])data.Clone();
                int n = rng.Next(1, 9);
                for (int i = 0; i < n; i++) d[rng.Next(Math.Min(300, d.Length))] = (byte)rng.Next(256);
                return d;
            }
            default:
            {
                int a = rng.Next(data.Length), len = rng.Next(1, Math.Min(400, data.Length - a + 1));
                return [.. data[..a], .. data.AsSpan(a, len), .. data.AsSpan(a)];
            }
        }
    }

    /// <summary>A valid PNG signature and IHDR claiming width×height, then a tiny IDAT and IEND: the decompression-bomb shape.</summary>
    static byte[] PngHeaderOnly(int width, int height)
    {
        var ms = new MemoryStream();
        ms.Write(PngDecoder.Signature);
        void Chunk(string type, byte[] body)
        {
            Span<byte> b4 = stackalloc byte[4];
            BinaryPrimitives.WriteUInt32BigEndian(b4, (uint)body.Length); ms.Write(b4);
            var t = System.Text.Encoding.ASCII.GetBytes(type); ms.Write(t); ms.Write(body);
            BinaryPrimitives.WriteUInt32BigEndian(b4, 0); ms.Write(b4); // CRC not checked before the size limit
        }
        var ihdr = new byte[13];
        BinaryPrimitives.WriteUInt32BigEndian(ihdr, (uint)width);
        BinaryPrimitives.WriteUInt32BigEndian(ihdr.AsSpan(4), (uint)height);
        ihdr[8] = 8;
        Chunk("IHDR", ihdr);
        Chunk("IDAT", [0x78, 0x9C, 0x03, 0x00, 0x00, 0x00, 0x00, 0x01]);
        Chunk("IEND", []);
        return ms.ToArray();
    }

    [Fact]
    public async Task Bearer_token_guards_v1_but_not_health()
    {
        var (server, client, model) = await Start(new ServeOptions { BearerToken = "0123456789abcdef-test" });
        try
        {
            Assert.Equal(HttpStatusCode.Unauthorized, (await client.GetAsync("/v1/model")).StatusCode);
            Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/healthz")).StatusCode);
            var req = new HttpRequestMessage(HttpMethod.Get, "/v1/model");
            req.Headers.Authorization = new AuthenticationHeaderValue("Bearer", "0123456789abcdef-test");
            Assert.Equal(HttpStatusCode.OK, (await client.SendAsync(req)).StatusCode);
        }
        finally { await server.DisposeAsync(); model.Dispose(); }
    }

    /// <summary>A body that sends its first bytes, then waits for <paramref name="gate"/> before the rest: the request
    /// stays "arriving" (being read) for as long as the test wants.</summary>
    sealed class GatedContent : HttpContent
    {
        readonly byte[] _data;
        readonly Task _gate;
        public GatedContent(byte[] data, Task gate, string type)
        {
            _data = data; _gate = gate;
            Headers.ContentType = new MediaTypeHeaderValue(type);
        }
        protected override async Task SerializeToStreamAsync(Stream stream, TransportContext? context)
        {
            await stream.WriteAsync(_data.AsMemory(0, 16));
            await stream.FlushAsync();
            await _gate;
            await stream.WriteAsync(_data.AsMemory(16));
        }
        protected override bool TryComputeLength(out long length) { length = _data.Length; return true; }
    }

    [Fact]
    public async Task Stopping_drains_requests_already_queued()
    {
        // A batch waits for company while another request is still arriving: a fourth request whose body is held back
        // keeps the three queued ones waiting (up to the long MaxWaitMs) until the stop has begun.
        var (server, client, model) = await Start(new ServeOptions { MaxBatch = 64, MaxWaitMs = 3000 });
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        try
        {
            int s = model.ImageSize;
            var png = PngEncoder.EncodeGray8(SplitImages.Read(run.Cache, "test").First().Pixels, s, s);
            // The held-back request first, so it is already counted as arriving when the others reach the queue
            // (bounded waits, no sleep: they yield to the server between checks).
            var gated = client.PostAsync("/v1/predict", new GatedContent(png, release.Task, "image/png"));
            var watch = Stopwatch.StartNew();
            while (server.Metrics.InFlight < 1 && watch.Elapsed < TimeSpan.FromSeconds(30)) await Task.Yield();
            var pending = Enumerable.Range(0, 3).Select(_ => client.PostAsync("/v1/predict", Body(png, "image/png"))).ToList();
            pending.Add(gated);
            while (server.Metrics.InFlight < 4 && watch.Elapsed < TimeSpan.FromSeconds(30)) await Task.Yield();
            Assert.Equal(4, server.Metrics.InFlight);
            Assert.Equal(0, server.Metrics.RequestsWithStatus(200));
            var stop = server.StopAsync();
            release.SetResult();
            var answers = await Task.WhenAll(pending);
            await stop;
            Assert.All(answers, a => Assert.Equal(HttpStatusCode.OK, a.StatusCode));
        }
        finally { release.TrySetResult(); await server.DisposeAsync(); model.Dispose(); }
    }
}
