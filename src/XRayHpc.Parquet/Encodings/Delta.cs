namespace XRayHpc.Parquet.Encodings;

/// <summary>DELTA_BINARY_PACKED decoding (the byte-array delta encodings build on it).</summary>
internal static class Delta
{
    /// <summary>Decodes up to dst.Length values; returns the number of values in the header (which may be
    /// more than needed) and the byte position after the last block read.</summary>
    public static (long total, int end) DecodeInt64(ReadOnlySpan<byte> src, Span<long> dst)
    {
        int pos = 0;
        ulong blockSize = RleHybrid.ReadVarint(src, ref pos);
        ulong miniblocks = RleHybrid.ReadVarint(src, ref pos);
        ulong total = RleHybrid.ReadVarint(src, ref pos);
        long value = ZigZag(RleHybrid.ReadVarint(src, ref pos));
        if (blockSize == 0 || blockSize % 128 != 0 || blockSize > 1 << 20 || miniblocks == 0 || blockSize % miniblocks != 0
            || (blockSize / miniblocks) % 32 != 0)
            throw new CorruptDataException($"DELTA_BINARY_PACKED header is invalid (block {blockSize}, miniblocks {miniblocks})");
        if (total < (ulong)dst.Length) throw new CorruptDataException($"DELTA_BINARY_PACKED holds {total} values, page needs {dst.Length}");
        int perMini = (int)(blockSize / miniblocks);
        int need = dst.Length;
        if (need == 0) return ((long)total, SkipRest(src, pos, total, (int)blockSize, (int)miniblocks, perMini));
        dst[0] = value;
        int n = 1;
        long remaining = (long)total - 1;
        long[] scratch = new long[perMini];
        while (remaining > 0)
        {
            long minDelta = ZigZag(RleHybrid.ReadVarint(src, ref pos));
            if (pos + (int)miniblocks > src.Length) throw new CorruptDataException("DELTA_BINARY_PACKED bit widths are truncated", pos);
            var widths = src.Slice(pos, (int)miniblocks);
            pos += (int)miniblocks;
            for (int m = 0; m < (int)miniblocks && remaining > 0; m++)
            {
                int bw = widths[m];
                if (bw > 64) throw new CorruptDataException($"DELTA_BINARY_PACKED bit width {bw} is out of range", pos);
                int bytes = perMini * bw / 8;
                if (pos + bytes > src.Length) throw new CorruptDataException("DELTA_BINARY_PACKED miniblock is truncated", pos);
                Unpack64(src.Slice(pos, bytes), bw, scratch);
                pos += bytes;
                int take = (int)Math.Min(perMini, remaining);
                for (int k = 0; k < take; k++)
                {
                    value = unchecked(value + minDelta + scratch[k]);
                    if (n < need) dst[n] = value;
                    n++;
                }
                remaining -= take;
            }
        }
        return ((long)total, pos);
    }

    static int SkipRest(ReadOnlySpan<byte> src, int pos, ulong total, int blockSize, int miniblocks, int perMini)
    {
        long remaining = (long)total - 1;
        while (remaining > 0)
        {
            RleHybrid.ReadVarint(src, ref pos);
            if (pos + miniblocks > src.Length) throw new CorruptDataException("DELTA_BINARY_PACKED bit widths are truncated", pos);
            var widths = src.Slice(pos, miniblocks);
            pos += miniblocks;
            for (int m = 0; m < miniblocks && remaining > 0; m++)
            {
                int bytes = perMini * widths[m] / 8;
                if (widths[m] > 64 || pos + bytes > src.Length) throw new CorruptDataException("DELTA_BINARY_PACKED miniblock is truncated", pos);
                pos += bytes;
                remaining -= Math.Min(perMini, remaining);
            }
        }
        return pos;
    }

    static void Unpack64(ReadOnlySpan<byte> src, int bw, long[] dst)
    {
        if (bw == 0) { Array.Clear(dst); return; }
        int bitPos = 0;
        for (int i = 0; i < dst.Length; i++)
        {
            ulong v = 0;
            int got = 0;
            while (got < bw)
            {
                int byteIdx = bitPos >> 3, bitOff = bitPos & 7;
                int take = Math.Min(8 - bitOff, bw - got);
                ulong bits = (ulong)((src[byteIdx] >> bitOff) & ((1 << take) - 1));
                v |= bits << got;
                got += take; bitPos += take;
            }
            dst[i] = (long)v;
        }
    }

    static long ZigZag(ulong n) => (long)(n >> 1) ^ -(long)(n & 1);
}
