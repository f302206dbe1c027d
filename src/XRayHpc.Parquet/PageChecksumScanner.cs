using XRayHpc.Parquet.Format;
using XRayHpc.Parquet.Thrift;

namespace XRayHpc.Parquet;

/// <summary>
/// Checks page CRCs of a column chunk while it is being read from the file, a piece at a time, so each byte is
/// checksummed while the read has just left it in the CPU cache instead of in a second pass over a chunk of tens
/// of megabytes from main memory (that second pass cost more than the checksum itself; see README, bench-parquet).
/// It only ever vouches for pages: <see cref="VerifiedBefore"/> is the chunk offset before which every page
/// header starts a page whose CRC matched (or that has none). At anything unexpected (a header it cannot parse in
/// the bytes it has, a size that runs past the chunk, a mismatch) it stops there, and <see cref="ColumnChunkReader{T}"/>
/// checks that page and the rest itself, reporting errors with their page number as before.
/// </summary>
internal sealed class PageChecksumScanner(byte[] chunk, int chunkLen)
{
    /// <summary>Read size: a piece is checksummed right after its read, while it still sits in L2 (1 MB here).</summary>
    public const int PieceBytes = 512 << 10;
    /// <summary>A header is parsed once this many bytes past it have arrived (or the chunk's end); page headers
    /// are tens of bytes, one larger than this only makes the scanner stop early.</summary>
    const int HeaderWindow = 64 << 10;

    int _pos;            // next page header, or the current page's body start
    int _bodyEnd = -1;   // > 0 while inside a page body
    int _bodyDone;       // body bytes checksummed so far end here
    uint _crc, _expected;
    bool _stopped;

    public int VerifiedBefore { get; private set; }

    /// <summary>The chunk's bytes [0, <paramref name="available"/>) are now in memory.</summary>
    public void Advance(int available)
    {
        while (!_stopped)
        {
            if (_bodyEnd >= 0)
            {
                int upTo = Math.Min(_bodyEnd, available);
                _crc = Crc32.Append(_crc, chunk.AsSpan(_bodyDone, upTo - _bodyDone));
                _bodyDone = upTo;
                if (upTo < _bodyEnd) return;
                if (_crc != _expected) { _stopped = true; return; }
                _pos = _bodyEnd;
                _bodyEnd = -1;
                VerifiedBefore = _pos;
                continue;
            }
            if (_pos >= chunkLen) { VerifiedBefore = chunkLen; return; }
            if (available - _pos < Math.Min(chunkLen - _pos, HeaderWindow)) return;
            PageHeader h;
            var r = new CompactReader(chunk, _pos, available - _pos);
            try { h = PageHeader.Read(r); }
            catch (Exception e) when (e is CorruptDataException or ArgumentException or IndexOutOfRangeException or InvalidOperationException or OverflowException)
            { _stopped = true; return; }
            int body = r.Position;
            if (h.CompressedSize < 0 || h.CompressedSize > chunkLen - body) { _stopped = true; return; }
            if (h.Crc is not { } expected)
            {
                // nothing to check: the page is vouched for as far as checksums go
                _pos = body + h.CompressedSize;
                VerifiedBefore = _pos;
                continue;
            }
            // VerifiedBefore stays at this header until its body is checked
            _expected = expected;
            _crc = 0;
            _bodyDone = body;
            _bodyEnd = body + h.CompressedSize;
        }
    }
}
