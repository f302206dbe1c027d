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
