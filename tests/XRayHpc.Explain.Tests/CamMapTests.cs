namespace XRayHpc.Explain.Tests;

public class CamMapTests
{
    [Fact]
    public void Mass_share_counts_positive_mass_inside_the_mask()
    {
        float[] map = [1, 3, -5, 0];
        bool[] mask = [true, false, true, false];
        Assert.Equal(0.25, CamMap.MassShare(map, mask), 6);
        Assert.True(double.IsNaN(CamMap.MassShare([-1f, 0f], [true, true])));
    }

    [Fact]
    public void Upsampling_a_constant_is_constant_and_corners_keep_their_values()
    {
        var up = CamMap.Upsample([2f, 2f, 2f, 2f], 2, 2, 7, 5);
        Assert.All(up, v => Assert.Equal(2f, v));
        var ramp = CamMap.Upsample([0f, 1f], 1, 2, 1, 8);
        Assert.Equal(0f, ramp[0]);
        Assert.Equal(1f, ramp[7]);
        for (int i = 1; i < 8; i++) Assert.True(ramp[i] >= ramp[i - 1]);
    }

    [Fact]
    public void Best_share_on_a_grid_bounds_every_map_and_is_reached_by_one()
    {
        // A 4x4 map (a last stage at 128 px) shown at 32x32, and a small off-centre ellipse, like the drawn heart.
        const int g = 4, n = 32;
        var mask = new bool[n * n];
        for (int y = 0; y < n; y++)
        for (int x = 0; x < n; x++)
            mask[y * n + x] = Math.Pow((x + 0.5 - 19) / 6.0, 2) + Math.Pow((y + 0.5 - 21) / 4.0, 2) < 1;
        double best = CamMap.BestShare(g, g, mask, n, n);
        Assert.InRange(best, 0.05, 0.999);   // a cell's footprint is larger than the ellipse: a perfect map cannot be all inside
        var rng = new Random(7);
        bool reached = false;
        for (int trial = 0; trial < 300; trial++)
        {
            var map = new float[g * g];
            int hot = trial < g * g ? trial : -1;   // every one-cell map first, then random non-negative maps
            for (int i = 0; i < map.Length; i++) map[i] = hot >= 0 ? (i == hot ? 1f : 0f) : (float)rng.NextDouble() * (rng.Next(3) == 0 ? 1 : 0);
            double share = CamMap.MassShare(CamMap.Upsample(map, g, g, n, n), mask);
            if (double.IsNaN(share)) continue;
            Assert.True(share <= best + 1e-9, $"map {trial} scores {share} above the bound {best}");
            reached |= Math.Abs(share - best) < 1e-9;
        }
        Assert.True(reached, "no one-cell map reaches the bound");
        Assert.Equal(1.0, CamMap.BestShare(g, g, Enumerable.Repeat(true, n * n).ToArray(), n, n), 9);
    }

    [Fact]
    public void Npy_file_reads_back_in_numpy()
    {
        var dir = Oracle.TempDir("npy");
        try
        {
            var path = Path.Combine(dir, "m.npy");
            NpyFile.Write(path, [1.5f, -2f, 3.25f, 0f, 7f, 8f], 2, 3);
            var text = Oracle.Run("/usr/bin/python3", "-c",
                $"import numpy as np; a = np.load('{path}'); print(a.dtype, a.shape, ' '.join(str(v) for v in a.ravel()))");
            Assert.Equal("float32 (2, 3) 1.5 -2.0 3.25 0.0 7.0 8.0", text.Trim());
        }
        finally { Directory.Delete(dir, recursive: true); }
    }

    [Fact]
    public void Heatmap_png_has_the_film_size_plus_a_legend_and_colours_the_hot_spot()
    {
        int s = 64;
        var film = Enumerable.Repeat((byte)100, s * s).ToArray();
        var map = new float[s * s];
        map[10 * s + 10] = 1f;
        var png = HeatmapImage.RenderPng(film, map, s, "Cardiomegaly", 0.93, CamMethod.GradCam);
        var img = XRayHpc.Data.Decoders.PngDecoder.Decode(png, "h");
        int zoom = (HeatmapImage.DisplayMin + s - 1) / s, w = s * zoom;
        Assert.Equal(w, img.Width);                         // a 64 px input is shown enlarged
        Assert.True(img.Height > w, "legend band below the film");
        Assert.Equal(100, img.Pixels[40 * zoom * w + 40 * zoom]);   // cold: the film shows through unchanged
        Assert.NotEqual(100, img.Pixels[10 * zoom * w + 10 * zoom]); // hot: blended with the colour map
    }
}
