using System.Net.Http.Headers;
using System.Text.Json;
using Xunit.Abstractions;
using XRayHpc.Data.Decoders;
using XRayHpc.Explain;

namespace XRayHpc.Serving.Tests;

/// <summary>
/// A run trained in bf16 autocast + channels_last (how our users train, and what `make bench-serve` serves) is served
/// in that precision and layout, and its batched answers equal `xrayhpc predict`'s scores exactly: serve and predict
/// take the precision from the same run config, and a batch's composition does not change an image's result.
/// </summary>
public sealed class Bf16ServeTests(TinyBf16Run run, ITestOutputHelper output) : IClassFixture<TinyBf16Run>
{
    [Fact]
    public async Task Bf16_channels_last_run_is_served_like_predict()
    {
        using var model = new InferenceModel(new RunModelSource(run.RunDir, "best"));
        Assert.True(model.Card.Bf16, "the run trained in bf16: the model card must say so");
        Assert.True(model.Card.ChannelsLast, "the run trained in channels_last: the model card must say so");
        await using var server = new PredictionServer(model, new ServeOptions { Host = "127.0.0.1", Port = 0, MaxBatch = 4, MaxWaitMs = 20 });
        await server.StartAsync();
        using var client = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{server.Port}"), Timeout = TimeSpan.FromSeconds(60) };
        var classes = model.Card.ClassNames.ToArray();
        var rows = SplitImages.Read(run.Cache, "test").ToList();
        Assert.NotEmpty(rows);
        int s = model.ImageSize;
        // Concurrent, so the server batches them (2..4 images per pass against predict's batches of 16).
        var answers = await Task.WhenAll(rows.Select(async r =>
        {
            var body = new ByteArrayContent(PngEncoder.EncodeGray8(r.Pixels, s, s));
            body.Headers.ContentType = new MediaTypeHeaderValue("image/png");
            var resp = await client.PostAsync("/v1/predict", body);
            var text = await resp.Content.ReadAsStringAsync();
            Assert.True(resp.IsSuccessStatusCode, $"{(int)resp.StatusCode} {text}");
            using var doc = JsonDocument.Parse(text);
            var byName = doc.RootElement.GetProperty("classes").EnumerateArray()
                .ToDictionary(e => e.GetProperty("name").GetString()!, e => e.GetProperty("probability").GetDouble());
            return (r.RowId, Probs: classes.Select(c => byName[c]).ToArray(), Batch: doc.RootElement.GetProperty("batch_size").GetInt32());
        }));
        double maxDiff = 0;
        foreach (var (row, probs, _) in answers)
            for (int k = 0; k < classes.Length; k++)
                maxDiff = Math.Max(maxDiff, Math.Abs(probs[k] - run.Predicted[(row, classes[k])]));
        output.WriteLine($"{rows.Count} test rows, batches of up to {answers.Max(a => a.Batch)}: max |served − predict| = {maxDiff:E2}");
        Assert.True(maxDiff <= 1e-6, $"bf16 served probabilities differ from predict by {maxDiff:E2}");
    }
}
