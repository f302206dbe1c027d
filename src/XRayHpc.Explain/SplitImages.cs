using XRayHpc.Cache;
using XRayHpc.Loader;

namespace XRayHpc.Explain;

/// <summary>One row of a cache split: its stable row id, the 8-bit pixels and per-class labels/mask.</summary>
public sealed record SplitRow(long RowId, byte[] Pixels, float[] Labels, float[] Mask);

/// <summary>
/// Reads a cache split in its stored order on one process (the loader without augmentation), giving back the 8-bit
/// pixels: the loader hands out normalised floats, and v = round(255·(f·std + mean)) inverts its table exactly.
/// </summary>
public static class SplitImages
{
    public static IEnumerable<SplitRow> Read(string cacheDir, string split, int batchSize = 32)
    {
        var m = CacheManifest.Load(cacheDir);
        double std = m.PixelStd > 1e-8 ? m.PixelStd : 1.0;
        using var loader = new BatchLoader(cacheDir, split, 0, 1, new LoaderOptions { BatchSize = batchSize, Shuffle = false, Augment = false, Threads = 1, Prefetch = 2 });
        foreach (var b in loader.Batches())
        {
            int px = b.Height * b.Width;
            for (int i = 0; i < b.Count; i++)
            {
                var bytes = new byte[px];
                for (int k = 0; k < px; k++)
                    bytes[k] = (byte)Math.Clamp((int)Math.Round((b.Images[i * px + k] * std + m.PixelMean) * 255.0), 0, 255);
                yield return new SplitRow(b.RowIds[i], bytes, b.Labels.AsSpan(i * b.Classes, b.Classes).ToArray(), b.LabelMask.AsSpan(i * b.Classes, b.Classes).ToArray());
            }
        }
    }
}
