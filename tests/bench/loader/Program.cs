// Timing probes for tests/bench/loader.sh. Each mode prints one "RESULT <what> <count> <seconds>" line;
// the script interleaves them with the Python oracles and takes medians.
//   decode <dir> <ext> <size>            decode + resize every *.<ext> under dir, one thread
//   loader <cache> <batch> <batches>     BatchLoader, augmentation on, 1 background thread (after a warm-up epoch)
//   profile / loaderprofile / readprofile CPU-time breakdowns used while tuning (not run by the script)
using System.Diagnostics;
using XRayHpc.Cache;
using XRayHpc.Data;
using XRayHpc.Loader;

switch (args[0])
{
    case "decode":
    {
        var files = Directory.EnumerateFiles(args[1], "*." + args[2], SearchOption.AllDirectories).Order(StringComparer.Ordinal).ToList();
        int size = int.Parse(args[3]);
        long checksum = 0;
        var sw = Stopwatch.StartNew();
        foreach (var f in files)
        {
            var img = ImageDecoder.Decode(f, size);
            var px = ImageResize.Resize(img.Pixels, img.Width, img.Height, size, size);
            checksum += px[px.Length / 2];
        }
        Console.WriteLine($"RESULT decode-{args[2]} {files.Count} {sw.Elapsed.TotalSeconds:F4} {checksum}");
        break;
    }
    case "loader":
    {
        string cache = args[1];
        int batch = int.Parse(args[2]), want = int.Parse(args[3]);
        int done = 0, images = 0;
        // One untimed epoch first: training runs many epochs, so steady state (JIT tiers settled) is what counts.
        using (var warm = new BatchLoader(cache, "train", 0, 1, new LoaderOptions { BatchSize = batch, Epoch = -1, Augment = true, Threads = 1 }))
            foreach (var _ in warm.Batches()) { }
        var sw = Stopwatch.StartNew();
        for (int epoch = 0; done < want; epoch++)
        {
            using var l = new BatchLoader(cache, "train", 0, 1, new LoaderOptions { BatchSize = batch, Epoch = epoch, Augment = true, Threads = 1, Prefetch = 4 });
            foreach (var b in l.Batches())
            {
                if (b.Count < batch) continue; // full batches only
                done++; images += b.Count;
                if (done >= want) break;
            }
        }
        Console.WriteLine($"RESULT loader {done} {sw.Elapsed.TotalSeconds:F4} {images}");
        break;
    }
    case "profile":
    {
        // CPU seconds (not wall: the machine may be shared) of decode alone vs decode + resize.
        var files = Directory.EnumerateFiles(args[1], "*." + args[2], SearchOption.AllDirectories).Order(StringComparer.Ordinal).ToList();
        int size = int.Parse(args[3]);
        var decoded = files.Select(f => ImageDecoder.Decode(f, size)).ToList();
        var cpu = Process.GetCurrentProcess().TotalProcessorTime;
        foreach (var f in files) ImageDecoder.Decode(f, size);
        var dec = Process.GetCurrentProcess().TotalProcessorTime - cpu;
        cpu = Process.GetCurrentProcess().TotalProcessorTime;
        for (int k = 0; k < 3; k++) foreach (var img in decoded) ImageResize.Resize(img.Pixels, img.Width, img.Height, size, size);
        var rs = (Process.GetCurrentProcess().TotalProcessorTime - cpu) / 3;
        Console.WriteLine($"PROFILE {args[2]} n={files.Count} decoded={decoded[0].Width}x{decoded[0].Height} decode_ms={dec.TotalMilliseconds / files.Count:F2} resize_ms={rs.TotalMilliseconds / files.Count:F2}");
        break;
    }
    case "loaderprofile":
    {
        int n = 0;
        var cpu = Process.GetCurrentProcess().TotalProcessorTime;
        for (int epoch = 0; epoch < 6; epoch++)
        {
            if (epoch == 1) { cpu = Process.GetCurrentProcess().TotalProcessorTime; n = 0; } // epoch 0 warms the JIT
            using var l = new BatchLoader(args[1], "train", 0, 1, new LoaderOptions { BatchSize = 32, Epoch = epoch, Augment = args.Length < 3 || args[2] == "aug", Threads = 1 });
            foreach (var b in l.Batches()) n++;
        }
        var used = Process.GetCurrentProcess().TotalProcessorTime - cpu;
        Console.WriteLine($"PROFILE loader batches={n} cpu_ms_per_batch={used.TotalMilliseconds / n:F2}");
        break;
    }
    case "readprofile":
    {
        var reader = new ShardReader(args[1], "train", 0, 1);
        var cpu = Process.GetCurrentProcess().TotalProcessorTime;
        long rows = 0;
        foreach (var g in reader.AllRowGroups) rows += ShardReader.Read(g).Images.Length;
        var used = Process.GetCurrentProcess().TotalProcessorTime - cpu;
        Console.WriteLine($"PROFILE read rows={rows} cpu_ms_per_32rows={used.TotalMilliseconds / rows * 32:F2}");
        break;
    }
    default:
        Console.Error.WriteLine("usage: decode <dir> <ext> <size> | loader <cache> <batch> <batches>");
        return 2;
}
return 0;
