using System.Diagnostics;
using System.Text.Json;
using XRayHpc.Parquet;

// Throughput of a cache-like Parquet file set (the image cache's columns) per codec, one thread: write,
// then read from the page cache, interleaved with DuckDB (threads=1) reading the same files; medians of
// REPS. MB = 10^6 bytes of decoded image pixels. Each figure is given per wall second and per CPU second
// of the process (MB/cpu-s = MB/s per core, meaningful even on a machine shared with other jobs).
int images = Env("IMAGES", 2000), size = Env("SIZE", 224), reps = Env("REPS", 3), perGroup = Env("ROWS_PER_GROUP", 1000), perFile = Env("ROWS_PER_FILE", 5000);
string dir = Environment.GetEnvironmentVariable("BENCH_DIR") ?? Path.Combine(Path.GetTempPath(), "xrayhpc-bench-parquet");
string interop = args.Length > 0 ? args[0] : Path.GetFullPath("tests/interop");
var codecs = (Environment.GetEnvironmentVariable("CODECS") ?? "uncompressed,snappy,zstd,gzip").Split(',').Select(c => Enum.Parse<ParquetCodec>(c, true)).ToArray();
Directory.CreateDirectory(dir);

var schema = new ParquetSchema(
    ParquetColumn.Required("image", ParquetType.ByteArray), ParquetColumn.Required("height", ParquetType.Int32),
    ParquetColumn.Required("width", ParquetType.Int32), ParquetColumn.List("labels", ParquetType.Float),
    ParquetColumn.List("label_mask", ParquetType.Float), ParquetColumn.Required("patient_hash", ParquetType.String),
    ParquetColumn.Optional("view", ParquetType.String), ParquetColumn.Required("source_row", ParquetType.Int64));
long pixelBytes = (long)images * size * size;
Console.WriteLine($"parquet bench: {images} images {size}x{size} uint8 ({pixelBytes / 1e6:F0} MB of pixels), {perGroup} rows/row group, {perFile} rows/file, {reps} reps, 1 thread, dir {dir}");
Console.WriteLine($"{"codec",-13}{"files MB",9}{"write MB/s",11}{"MB/cpu-s",10}{"read MB/s",11}{"MB/cpu-s",10}{"duckdb MB/s",13}{"MB/cpu-s",10}{"ours/duckdb cpu",17}{"no-CRC MB/cpu-s",17}{"CRC cost cpu",13}{"wall",7}{"| pixels used: MB/cpu-s",24}{"no-CRC",8}{"CRC cost cpu",13}{"wall",7}");
Console.WriteLine($"(read = with page CRC-32 verification, as training reads; no-CRC = the same files with VerifyPageChecksums off; CRC cost = with/without - 1, per CPU second and per wall second. " +
    "The plain read touches one byte per image (an uncompressed no-CRC read is then a copy from the page cache that never looks at the pixels); " +
    $"'pixels used' also sums every pixel of every image, the least that decoding them for training does. All four run back to back in rotating order in every rep. " +
    $"CRC-32: XRayHpc.Parquet.Crc32, 512-bit carry-less multiply {(System.Runtime.Intrinsics.X86.Pclmulqdq.V512.IsSupported ? "available" : "NOT available (System.IO.Hashing)")})");

foreach (var codec in codecs)
{
    var files = new List<string>();
    var sw = new Stopwatch(); // times the writer only, not the synthetic pixels
    var cpu = TimeSpan.Zero;
    var proc = Process.GetCurrentProcess();
    TimeSpan Cpu() { proc.Refresh(); return proc.TotalProcessorTime; }
    void Start() { cpu -= Cpu(); sw.Start(); }
    void Stop() { sw.Stop(); cpu += Cpu(); }
    for (int f = 0, row = 0; row < images; f++)
    {
        var path = Path.Combine(dir, $"{codec.ToString().ToLowerInvariant()}-part-{f:D5}.parquet");
        files.Add(path);
        Start();
        var w = new ParquetFileWriter(path, schema, new ParquetWriteOptions { Codec = codec,
            KeyValueMetadata = new Dictionary<string, string> { ["xrayhpc.manifest"] = "bench" } });
        Stop();
        for (int end = Math.Min(images, row + perFile); row < end;)
        {
            int n = Math.Min(perGroup, end - row);
            var rows = MakeRows(row, n, size);
            Start();
            w.WriteRowGroup(rows);
            Stop();
            row += n;
        }
        Start();
        w.Dispose();
        Stop();
    }
    double writeS = sw.Elapsed.TotalSeconds, writeCpu = cpu.TotalSeconds;
    long fileBytes = files.Sum(f => new FileInfo(f).Length);

    ReadOurs(files); // warm the page cache and the JIT
    ReadOurs(files, verifyCrc: false, usePixels: true);
    var duck = new List<double>(); var duckCpu = new List<double>();
    // [crc, pixels] -> wall and CPU seconds per rep
    var wall = new List<double>[2, 2]; var cpuS = new List<double>[2, 2];
    for (int a = 0; a < 2; a++) for (int b = 0; b < 2; b++) { wall[a, b] = new(); cpuS[a, b] = new(); }
    for (int r = 0; r < reps; r++)
    {
        // Every variant back to back, starting at a different one each rep, so load from other jobs hits all alike.
        for (int k = 0; k < 4; k++)
        {
            int v = (k + r) % 4, crc = v & 1, pix = v >> 1;
            var (w, c) = ReadOurs(files, verifyCrc: crc == 1, usePixels: pix == 1);
            wall[crc, pix].Add(w); cpuS[crc, pix].Add(c);
        }
        var (dw, dc) = ReadDuckDb(files, interop); duck.Add(dw); duckCpu.Add(dc);
    }
    double M(List<double>[,] x, int crc, int pix) => Median(x[crc, pix]);
    double o = M(wall, 1, 0), d = Median(duck), oc2 = M(cpuS, 1, 0), dc2 = Median(duckCpu), rc2 = M(cpuS, 0, 0), rw2 = M(wall, 0, 0);
    double mb = pixelBytes / 1e6;
    Console.WriteLine($"{codec,-13}{fileBytes / 1e6,9:F0}{mb / writeS,11:F0}{mb / writeCpu,10:F0}{mb / o,11:F0}{mb / oc2,10:F0}{mb / d,13:F0}{mb / dc2,10:F0}{dc2 / oc2,17:F2}{mb / rc2,17:F0}{(oc2 / rc2 - 1) * 100,12:F1}%{(o / rw2 - 1) * 100,6:F1}%" +
        $"{mb / M(cpuS, 1, 1),24:F0}{mb / M(cpuS, 0, 1),8:F0}{(M(cpuS, 1, 1) / M(cpuS, 0, 1) - 1) * 100,12:F1}%{(M(wall, 1, 1) / M(wall, 0, 1) - 1) * 100,6:F1}%");
    if (Environment.GetEnvironmentVariable("KEEP") != "1") foreach (var f in files) File.Delete(f);
}

static int Env(string name, int dflt) => int.TryParse(Environment.GetEnvironmentVariable(name), out var v) ? v : dflt;
static double Median(List<double> xs) { var s = xs.OrderBy(x => x).ToList(); return s[s.Count / 2]; }

static RowGroup MakeRows(int start, int n, int size)
{
    var imgs = new byte[n][]; var h = new int[n]; var w = new int[n];
    var labels = new float[n][]; var masks = new float[n][]; var ph = new string[n]; var view = new string?[n]; var src = new long[n];
    for (int i = 0; i < n; i++)
    {
        int id = start + i;
        var rng = new Random(id);
        var img = new byte[size * size];
        var sx = new double[size]; var cy = new double[size];
        for (int k = 0; k < size; k++) { sx[k] = 70 * Math.Sin(k / 17.0 + id); cy[k] = Math.Cos(k / 23.0); }
        // smooth anatomy-like structure plus sensor noise, so the codecs see realistic entropy
        for (int y = 0; y < size; y++)
            for (int x = 0; x < size; x++)
                img[y * size + x] = (byte)Math.Clamp(110 + sx[x] * cy[y] + rng.Next(-6, 7), 0, 255);
        imgs[i] = img; h[i] = size; w[i] = size;
        labels[i] = Enumerable.Range(0, 14).Select(k => (float)((id >> k) & 1)).ToArray();
        masks[i] = Enumerable.Repeat(1f, 14).ToArray();
        ph[i] = Convert.ToHexString(BitConverter.GetBytes(id * 2654435761L));
        view[i] = id % 3 == 0 ? null : id % 3 == 1 ? "PA" : "AP";
        src[i] = id;
    }
    return new RowGroup(ColumnData.FromBinary(imgs), ColumnData.FromInt32(h), ColumnData.FromInt32(w), ColumnData.FromFloatLists(labels),
        ColumnData.FromFloatLists(masks), ColumnData.FromStrings(ph), ColumnData.FromStrings(view), ColumnData.FromInt64(src));
}

// every column of every row group; image bytes are touched through their zero-copy spans (one byte per image,
// or every byte when usePixels)
static (double wall, double cpu) ReadOurs(List<string> files, bool verifyCrc = true, bool usePixels = false)
{
    // The previous read's garbage (uncompressed chunks are fresh 20 MB arrays) is collected outside the timing,
    // or its collection is billed to whichever read happens to trigger it.
    GC.Collect();
    GC.WaitForPendingFinalizers();
    var proc = Process.GetCurrentProcess();
    var cpu0 = proc.TotalProcessorTime;
    var sw = Stopwatch.StartNew();
    long check = 0;
    foreach (var f in files)
    {
        using var r = ParquetFileReader.Open(f);
        r.VerifyPageChecksums = verifyCrc;
        for (int g = 0; g < r.RowGroups.Count; g++)
        {
            var img = r.ReadColumn(g, "image");
            for (int i = 0; i < img.Count; i++) { var s = img.GetBytes(i); check += s.Length + (usePixels ? SumBytes(s) : s[s.Length / 2]); }
            foreach (var c in new[] { "height", "width", "labels", "label_mask", "patient_hash", "view", "source_row" })
                check += r.ReadColumn(g, c).Count;
        }
    }
    if (check == 0) throw new InvalidOperationException("nothing read");
    double wall = sw.Elapsed.TotalSeconds;
    proc.Refresh();
    return (wall, (proc.TotalProcessorTime - cpu0).TotalSeconds);
}

// vectorised: a lower bound on what turning the pixels into tensors costs
static long SumBytes(ReadOnlySpan<byte> s)
{
    var acc = System.Numerics.Vector<ulong>.Zero;
    int i = 0;
    for (; i <= s.Length - System.Numerics.Vector<byte>.Count; i += System.Numerics.Vector<byte>.Count)
    {
        System.Numerics.Vector.Widen(new System.Numerics.Vector<byte>(s[i..]), out var lo, out var hi);
        System.Numerics.Vector.Widen(lo + hi, out var a, out var b);
        System.Numerics.Vector.Widen(a + b, out var c, out var e);
        acc += c + e;
    }
    long sum = (long)System.Numerics.Vector.Sum(acc);
    for (; i < s.Length; i++) sum += s[i];
    return sum;
}

static (double wall, double cpu) ReadDuckDb(List<string> files, string interop)
{
    var psi = new ProcessStartInfo("node") { WorkingDirectory = interop, RedirectStandardOutput = true, RedirectStandardError = true };
    psi.ArgumentList.Add(Path.Combine(interop, "oracle.mjs"));
    psi.ArgumentList.Add("bench-read");
    foreach (var f in files) psi.ArgumentList.Add(f);
    using var p = Process.Start(psi)!;
    var err = p.StandardError.ReadToEndAsync();
    var json = p.StandardOutput.ReadToEnd();
    p.WaitForExit();
    if (p.ExitCode != 0) throw new InvalidOperationException($"DuckDB bench failed: {err.Result}");
    var root = JsonDocument.Parse(json).RootElement;
    return (root.GetProperty("seconds").GetDouble(), root.GetProperty("cpuSeconds").GetDouble());
}
