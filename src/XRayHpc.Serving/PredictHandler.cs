using System.Diagnostics;
using System.Text.Json;
using Microsoft.AspNetCore.Http;
using XRayHpc.Data;
using XRayHpc.Explain;

namespace XRayHpc.Serving;

/// <summary>
/// POST /v1/predict: body limits → content type → header dimensions → decode (bounded time and concurrency) →
/// the model's resize and normalisation → batched inference → JSON. Every refusal is a <see cref="RequestError"/>
/// with a 4xx status; the image itself and any DICOM attribute are never logged or echoed.
/// </summary>
internal sealed class PredictHandler(InferenceModel model, InferenceQueue queue, ServeOptions options)
{
    static readonly string[] Accepted = ["image/png", "image/jpeg", "application/dicom"];
    readonly SemaphoreSlim _decodes = new(options.MaxConcurrentDecodes);

    public async Task<object> Handle(HttpRequest request, CancellationToken cancel)
    {
        long start = Stopwatch.GetTimestamp();
        int camClass = -1;
        if (request.Query.TryGetValue("cam", out var camName))
        {
            camClass = model.Card.ClassIndex(camName.ToString());
            if (camClass < 0) throw new RequestError(400, $"cam: unknown class '{camName}' (classes: {string.Join(", ", model.Card.ClassNames)})");
        }
        queue.Expect();
        bool submitted = false;
        long read, decoded;
        Decoded input;
        Task<InferenceResult> pending;
        try
        {
            var body = await ReadImage(request, cancel);
            read = Stopwatch.GetTimestamp();
            input = await Decode(body, cancel);
            decoded = Stopwatch.GetTimestamp();
            pending = queue.Submit(input.Floats, camClass);
            submitted = true;
        }
        finally { if (!submitted) queue.Abandon(); }
        var result = await pending.WaitAsync(cancel);

        var card = model.Card;
        var classes = card.ClassNames.Select((name, k) => new
        {
            name, probability = result.Probabilities[k], threshold = card.Thresholds[k],
            positive = result.Probabilities[k] >= card.Thresholds[k],
        }).ToArray();
        object? cam = null;
        if (result.Cam is { } maps)
        {
            int s = model.ImageSize;
            var full = CamMap.Upsample(maps.Map(0), maps.Height, maps.Width, s, s);
            var png = HeatmapImage.RenderPng(input.Pixels, CamMap.ToUnit(full), s, card.ClassNames[camClass], result.Probabilities[camClass], CamMethod.GradCam);
            cam = new { @class = card.ClassNames[camClass], method = "grad-cam", layer = model.Conv.FeatureLayer, png_base64 = Convert.ToBase64String(png) };
        }
        return new
        {
            model = new { id = card.Id, checksum = card.Checksum },
            classes,
            batch_size = result.BatchSize,
            timing_ms = new
            {
                read = Ms(start, read), decode = Ms(read, decoded), queue = result.QueueSeconds * 1000,
                inference = result.InferenceSeconds * 1000, total = Ms(start, Stopwatch.GetTimestamp()),
            },
            cam,
        };
    }

    static double Ms(long a, long b) => (b - a) * 1000.0 / Stopwatch.Frequency;

    async Task<byte[]> ReadImage(HttpRequest request, CancellationToken cancel)
    {
        if (request.ContentLength > options.MaxBodyBytes) throw TooLarge();
        var type = request.ContentType?.Split(';')[0].Trim().ToLowerInvariant() ?? "";
        if (type == "multipart/form-data")
        {
            var form = await request.ReadFormAsync(cancel);
            var file = form.Files.FirstOrDefault() ?? throw new RequestError(400, "multipart body without a file part");
            var fileType = file.ContentType?.Split(';')[0].Trim().ToLowerInvariant() ?? "";
            if (!Accepted.Contains(fileType) && fileType != "application/octet-stream")
                throw new RequestError(415, $"unsupported file type '{fileType}' (expected {string.Join(", ", Accepted)})");
            if (file.Length > options.MaxBodyBytes) throw TooLarge();
            using var ms = new MemoryStream((int)file.Length);
            await file.CopyToAsync(ms, cancel);
            return ms.ToArray();
        }
        if (!Accepted.Contains(type)) throw new RequestError(415, $"unsupported content type '{type}' (expected {string.Join(", ", Accepted)} or multipart/form-data)");
        return await ReadBounded(request.Body, cancel);
    }

    async Task<byte[]> ReadBounded(Stream body, CancellationToken cancel)
    {
        using var ms = new MemoryStream();
        var buffer = new byte[81920];
        int n;
        while ((n = await body.ReadAsync(buffer, cancel)) > 0)
        {
            if (ms.Length + n > options.MaxBodyBytes) throw TooLarge();
            ms.Write(buffer, 0, n);
        }
        if (ms.Length == 0) throw new RequestError(400, "empty body");
        return ms.ToArray();
    }

    RequestError TooLarge() => new(413, $"request body larger than {options.MaxBodyBytes} bytes");

    sealed record Decoded(byte[] Pixels, float[] Floats);

    async Task<Decoded> Decode(byte[] data, CancellationToken cancel)
    {
        int w, h;
        try { (w, h) = ImageHeader.Dimensions(data); }
        catch (DataFormatException e) { throw new RequestError(422, $"undecodable image: {e.Reason}"); }
        catch (Exception e) when (e is ArgumentException or InvalidDataException or OverflowException or IndexOutOfRangeException or EndOfStreamException)
        {
            throw new RequestError(422, $"undecodable image header ({e.GetType().Name})");
        }
        if (w < 1 || h < 1) throw new RequestError(422, $"image header says {w}x{h}");
        if (w > options.MaxImageSide || h > options.MaxImageSide || (long)w * h > options.MaxImagePixels)
            throw new RequestError(413, $"image {w}x{h} exceeds the limit ({options.MaxImageSide} px a side, {options.MaxImagePixels} pixels)");
        if (!await _decodes.WaitAsync(options.DecodeTimeoutMs, cancel)) throw new RequestError(503, "decoder busy; retry later");
        var work = Task.Run(() =>
        {
            try
            {
                var img = ImageDecoder.Decode(data, "request", model.ImageSize);
                var pixels = model.Resize(img);
                var floats = new float[pixels.Length];
                model.Normalise(pixels, floats);
                return new Decoded(pixels, floats);
            }
            finally { _decodes.Release(); }
        }, CancellationToken.None);
        try { return await work.WaitAsync(TimeSpan.FromMilliseconds(options.DecodeTimeoutMs), cancel); }
        catch (TimeoutException) { throw new RequestError(422, $"image took longer than {options.DecodeTimeoutMs} ms to decode"); }
        catch (DataFormatException e) { throw new RequestError(422, $"undecodable image: {e.Reason}"); }
        catch (Exception e) when (e is ArgumentException or InvalidDataException or OverflowException or IndexOutOfRangeException
                                      or EndOfStreamException or OutOfMemoryException or NotSupportedException)
        {
            throw new RequestError(422, $"undecodable image ({e.GetType().Name})");
        }
    }

    public static readonly JsonSerializerOptions Json = new() { WriteIndented = false };
}
