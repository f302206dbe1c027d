namespace XRayHpc.Data.Decoders;

/// <summary>Decoded JPEG samples at the stream's own precision (8–16 bits).</summary>
public sealed record JpegSamples(int Width, int Height, int Components, int Precision, int[] Samples);

/// <summary>
/// A small managed JPEG decoder for what libjpeg-turbo's 8-bit API cannot do in DICOM: extended sequential
/// DCT with 12-bit samples (SOF1, transfer syntax .51) and lossless Huffman (SOF3, process 14: .57/.70).
/// Single-component (grayscale) images only — the radiograph case. Restart intervals are honoured.
/// </summary>
public static class ManagedJpeg
{
    private sealed class Huffman
    {
        public readonly int[] MaxCode = new int[18];
        public readonly int[] ValPtr = new int[17];
        public readonly int[] MinCode = new int[17];
        public byte[] Values = [];
    }

    private static readonly int[] ZigZag =
    [
        0, 1, 8, 16, 9, 2, 3, 10, 17, 24, 32, 25, 18, 11, 4, 5, 12, 19, 26, 33, 40, 48, 41, 34, 27, 20, 13, 6, 7, 14, 21,
        28, 35, 42, 49, 56, 57, 50, 43, 36, 29, 22, 15, 23, 30, 37, 44, 51, 58, 59, 52, 45, 38, 31, 39, 46, 53, 60, 61,
        54, 47, 55, 62, 63,
    ];

    public static JpegSamples Decode(byte[] data, string name)
    {
        try { return DecodeCore(data, name); }
        catch (DataFormatException e) when (e.File.Length == 0) { throw new DataFormatException(name, null, e.Reason); }
        catch (IndexOutOfRangeException) { throw Corrupt(name, "truncated or inconsistent data"); }
    }

    private static JpegSamples DecodeCore(byte[] data, string name)
    {
        var dc = new Huffman?[4];
        var ac = new Huffman?[4];
        var quant = new int[4][];
        int width = 0, height = 0, precision = 0, sof = -1, restart = 0, quantIndex = 0, compId = -1;
        int pos = 2;
        if (data.Length < 4 || data[0] != 0xFF || data[1] != 0xD8) throw Corrupt(name, "missing SOI marker");
        while (true)
        {
            pos = NextMarker(data, pos, name, out int marker);
            if (marker == 0xD9) throw Corrupt(name, "EOI before any scan");
            if (pos + 2 > data.Length) throw Corrupt(name, "truncated marker segment");
            int len = data[pos] << 8 | data[pos + 1];
            if (len < 2 || pos + len > data.Length) throw Corrupt(name, $"marker FF{marker:X2} segment runs past the end");
            var seg = data.AsSpan(pos + 2, len - 2);
            switch (marker)
            {
                case 0xC0 or 0xC1 or 0xC3:
                    sof = marker;
                    precision = seg[0];
                    height = seg[1] << 8 | seg[2];
                    width = seg[3] << 8 | seg[4];
                    int nf = seg[5];
                    if (nf != 1) throw Unsupported(name, $"JPEG with {nf} components (only grayscale is decoded here)");
                    compId = seg[6];
                    if (marker != 0xC3 && seg[7] != 0x11) throw Unsupported(name, "subsampled single-component JPEG");
                    quantIndex = seg[8] & 3;
                    if (width == 0 || height == 0 || (long)width * height > Math.Min(1L << 28, data.LongLength * 4096 + (1 << 20)))
                        throw Corrupt(name, $"implausible frame size {width}x{height}");
                    if (precision is < 2 or > 16) throw Corrupt(name, $"precision {precision}");
                    break;
                case 0xC2 or 0xC5 or 0xC6 or 0xC7 or 0xC9 or 0xCA or 0xCB or 0xCD or 0xCE or 0xCF:
                    throw Unsupported(name, $"JPEG process SOF{marker - 0xC0} (progressive/hierarchical/arithmetic)");
                case 0xC4: ReadHuffman(seg, dc, ac, name); break;
                case 0xDB: ReadQuant(seg, quant, name); break;
                case 0xDD: restart = seg[0] << 8 | seg[1]; break;
                case 0xDA:
                {
                    if (sof < 0) throw Corrupt(name, "scan before frame header");
                    int ns = seg[0];
                    if (ns != 1 || seg[1] != compId) throw Corrupt(name, "scan does not match the single frame component");
                    int td = seg[2] >> 4, ta = seg[2] & 15;
                    int ss = seg[3], al = seg[5] & 15;
                    var reader = new BitReader(data, pos + len, name);
                    int[] samples;
                    if (sof == 0xC3)
                        samples = DecodeLossless(reader, dc[td] ?? throw Corrupt(name, "missing DC Huffman table"), width, height, precision, ss, al, restart);
                    else
                        samples = DecodeDct(reader, dc[td] ?? throw Corrupt(name, "missing DC Huffman table"),
                            ac[ta] ?? throw Corrupt(name, "missing AC Huffman table"),
                            quant[quantIndex] ?? throw Corrupt(name, "missing quantization table"), width, height, precision, restart);
                    return new JpegSamples(width, height, 1, precision, samples);
                }
            }
            pos += len;
        }
    }

    private static int NextMarker(byte[] d, int pos, string name, out int marker)
    {
        while (pos + 1 < d.Length)
        {
            if (d[pos] == 0xFF && d[pos + 1] != 0xFF && d[pos + 1] != 0x00) { marker = d[pos + 1]; return pos + 2; }
            pos++;
        }
        throw Corrupt(name, "unexpected end of data while looking for a marker");
    }

    private static void ReadHuffman(ReadOnlySpan<byte> seg, Huffman?[] dc, Huffman?[] ac, string name)
    {
        int p = 0;
        while (p < seg.Length)
        {
            int tc = seg[p] >> 4, th = seg[p] & 15;
            if (th > 3 || p + 17 > seg.Length) throw Corrupt(name, "bad DHT segment");
            var counts = seg.Slice(p + 1, 16);
            int total = 0;
            foreach (var c in counts) total += c;
            if (p + 17 + total > seg.Length) throw Corrupt(name, "DHT values run past the segment");
            var h = new Huffman { Values = seg.Slice(p + 17, total).ToArray() };
            int code = 0, k = 0;
            for (int l = 1; l <= 16; l++)
            {
                h.ValPtr[l] = k;
                h.MinCode[l] = code;
                code += counts[l - 1];
                k += counts[l - 1];
                h.MaxCode[l] = counts[l - 1] > 0 ? code - 1 : -1;
                code <<= 1;
            }
            h.MaxCode[17] = int.MaxValue;
            (tc == 0 ? dc : ac)[th] = h;
            p += 17 + total;
        }
    }

    private static void ReadQuant(ReadOnlySpan<byte> seg, int[][] quant, string name)
    {
        int p = 0;
        while (p < seg.Length)
        {
            int pq = seg[p] >> 4, tq = seg[p] & 3;
            int size = pq == 0 ? 64 : 128;
            if (p + 1 + size > seg.Length) throw Corrupt(name, "bad DQT segment");
            var q = new int[64];
            for (int i = 0; i < 64; i++) q[ZigZag[i]] = pq == 0 ? seg[p + 1 + i] : seg[p + 1 + 2 * i] << 8 | seg[p + 2 + 2 * i];
            quant[tq] = q;
            p += 1 + size;
        }
    }

    private sealed class BitReader(byte[] data, int pos, string name)
    {
        private int _bits, _count;
        public int Pos = pos;

        public int Bit()
        {
            if (_count == 0)
            {
                if (Pos >= data.Length) throw Corrupt(name, "entropy-coded data ends early");
                int b = data[Pos++];
                if (b == 0xFF)
                {
                    int next = Pos < data.Length ? data[Pos] : 0;
                    if (next == 0x00) Pos++;
                    else throw Corrupt(name, $"marker FF{next:X2} inside entropy-coded data (truncated or corrupt scan)");
                }
                _bits = b;
                _count = 8;
            }
            _count--;
            return (_bits >> _count) & 1;
        }

        public int Bits(int n)
        {
            int v = 0;
            for (int i = 0; i < n; i++) v = v << 1 | Bit();
            return v;
        }

        public int DecodeHuffman(Huffman h)
        {
            int code = Bit();
            int l = 1;
            while (code > h.MaxCode[l])
            {
                code = code << 1 | Bit();
                if (++l > 16) throw Corrupt(name, "invalid Huffman code");
            }
            int idx = h.ValPtr[l] + code - h.MinCode[l];
            if (idx >= h.Values.Length) throw Corrupt(name, "invalid Huffman code");
            return h.Values[idx];
        }

        /// <summary>Skips to the RSTn marker at a restart interval boundary and resets the bit buffer.</summary>
        public void Restart()
        {
            _count = 0;
            while (Pos + 1 < data.Length && !(data[Pos] == 0xFF && data[Pos + 1] is >= 0xD0 and <= 0xD7)) Pos++;
            if (Pos + 1 >= data.Length) throw Corrupt(name, "missing restart marker");
            Pos += 2;
        }
    }

    private static int Extend(int v, int t) => t == 0 ? 0 : v < 1 << (t - 1) ? v - (1 << t) + 1 : v;

    private static int[] DecodeLossless(BitReader r, Huffman dc, int w, int h, int precision, int predictor, int pt, int restart)
    {
        if (predictor is < 1 or > 7) throw Corrupt("", $"lossless predictor {predictor}");
        var o = new int[w * h];
        int mask = (1 << precision) - 1;
        int initial = 1 << (precision - pt - 1);
        int sinceRestart = 0;
        bool firstLine = true; // the first line of the scan or of a restart interval predicts from the left only
        for (int y = 0; y < h; y++)
        {
            for (int x = 0; x < w; x++)
            {
                if (restart > 0 && sinceRestart == restart)
                {
                    r.Restart();
                    sinceRestart = 0;
                    firstLine = true;
                }
                int i = y * w + x;
                bool intervalStart = sinceRestart == 0;
                int pred;
                if (firstLine) pred = intervalStart || x == 0 ? initial : o[i - 1];
                else if (x == 0) pred = o[i - w];
                else
                {
                    int ra = o[i - 1], rb = o[i - w], rc = o[i - w - 1];
                    pred = predictor switch
                    {
                        1 => ra, 2 => rb, 3 => rc, 4 => ra + rb - rc, 5 => ra + ((rb - rc) >> 1),
                        6 => rb + ((ra - rc) >> 1), _ => (ra + rb) >> 1,
                    };
                }
                int t = r.DecodeHuffman(dc);
                int diff = t == 16 ? 32768 : Extend(r.Bits(t), t);
                o[i] = (pred + diff) & 0xFFFF & (mask >> pt);
                sinceRestart++;
            }
            firstLine = false;
        }
        if (pt > 0) for (int i = 0; i < o.Length; i++) o[i] <<= pt;
        return o;
    }

    private static int[] DecodeDct(BitReader r, Huffman dc, Huffman ac, int[] q, int w, int h, int precision, int restart)
    {
        int bw = (w + 7) / 8, bh = (h + 7) / 8;
        var o = new int[w * h];
        var coef = new double[64];
        var tmp = new double[64];
        int pred = 0, sinceRestart = 0;
        int max = (1 << precision) - 1, shift = 1 << (precision - 1);
        for (int by = 0; by < bh; by++)
        for (int bx = 0; bx < bw; bx++)
        {
            if (restart > 0 && sinceRestart == restart) { r.Restart(); pred = 0; sinceRestart = 0; }
            Array.Clear(coef);
            int t = r.DecodeHuffman(dc);
            pred += Extend(r.Bits(t), t);
            coef[0] = pred * q[0];
            for (int k = 1; k < 64;)
            {
                int rs = r.DecodeHuffman(ac);
                int run = rs >> 4, size = rs & 15;
                if (size == 0)
                {
                    if (run != 15) break; // EOB
                    k += 16;
                    continue;
                }
                k += run;
                if (k > 63) throw Corrupt("", "AC coefficient index past 63");
                coef[ZigZag[k]] = Extend(r.Bits(size), size) * q[ZigZag[k]];
                k++;
            }
            Idct(coef, tmp);
            for (int yy = 0; yy < 8; yy++)
            {
                int py = by * 8 + yy;
                if (py >= h) break;
                for (int xx = 0; xx < 8; xx++)
                {
                    int px = bx * 8 + xx;
                    if (px >= w) break;
                    o[py * w + px] = Math.Clamp((int)Math.Round(tmp[yy * 8 + xx]) + shift, 0, max);
                }
            }
            sinceRestart++;
        }
        return o;
    }

    private static readonly double[] Cos = BuildCos();

    private static double[] BuildCos()
    {
        var c = new double[64];
        for (int x = 0; x < 8; x++)
            for (int u = 0; u < 8; u++)
                c[x * 8 + u] = (u == 0 ? Math.Sqrt(0.5) : 1.0) * Math.Cos((2 * x + 1) * u * Math.PI / 16) / 2;
        return c;
    }

    /// <summary>Separable float 8x8 inverse DCT (exact to rounding; the reference IJG integer IDCT differs by at most 1).</summary>
    private static void Idct(double[] coef, double[] output)
    {
        Span<double> rows = stackalloc double[64];
        for (int v = 0; v < 8; v++)
            for (int x = 0; x < 8; x++)
            {
                double s = 0;
                for (int u = 0; u < 8; u++) s += Cos[x * 8 + u] * coef[v * 8 + u];
                rows[v * 8 + x] = s;
            }
        for (int x = 0; x < 8; x++)
            for (int y = 0; y < 8; y++)
            {
                double s = 0;
                for (int v = 0; v < 8; v++) s += Cos[y * 8 + v] * rows[v * 8 + x];
                output[y * 8 + x] = s;
            }
    }

    private static DataFormatException Corrupt(string name, string reason) => new(name, null, $"corrupt JPEG: {reason}");
    private static DataFormatException Unsupported(string name, string reason) => new(name, null, $"unsupported JPEG: {reason}");
}
