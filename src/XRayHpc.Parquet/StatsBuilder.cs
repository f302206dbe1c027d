using System.Buffers.Binary;
using System.Runtime.InteropServices;
using XRayHpc.Parquet.Format;

namespace XRayHpc.Parquet;

/// <summary>Column chunk min/max/null count, encoded as the spec's PLAIN min_value/max_value.</summary>
internal sealed class StatsBuilder(ParquetType type)
{
    const int MaxBinaryStat = 1024; // huge values (images) would bloat the footer: such stats are omitted
    public long Nulls;
    bool _any, _tooLarge;
    long _minI, _maxI;
    double _minD, _maxD;
    byte[]? _minB, _maxB;

    public void AddRange<T>(ReadOnlySpan<T> values) where T : unmanaged
    {
        if (typeof(T) == typeof(int)) foreach (var v in MemoryMarshal.Cast<T, int>(values)) AddLong(v);
        else if (typeof(T) == typeof(long)) foreach (var v in MemoryMarshal.Cast<T, long>(values)) AddLong(v);
        else if (typeof(T) == typeof(float)) foreach (var v in MemoryMarshal.Cast<T, float>(values)) AddDouble(v);
        else if (typeof(T) == typeof(double)) foreach (var v in MemoryMarshal.Cast<T, double>(values)) AddDouble(v);
    }

    void AddLong(long v)
    {
        if (!_any) { _minI = _maxI = v; _any = true; return; }
        if (v < _minI) _minI = v;
        if (v > _maxI) _maxI = v;
    }

    void AddDouble(double v)
    {
        if (double.IsNaN(v)) return; // NaN has no place in an ordering; readers ignore it too
        if (!_any) { _minD = _maxD = v; _any = true; return; }
        if (v < _minD) _minD = v;
        if (v > _maxD) _maxD = v;
    }

    public void AddBool(bool b) => AddLong(b ? 1 : 0);

    public void AddBinary(ReadOnlySpan<byte> v)
    {
        if (_tooLarge) return;
        if (v.Length > MaxBinaryStat) { _tooLarge = true; return; }
        if (!_any) { _minB = v.ToArray(); _maxB = _minB; _any = true; return; }
        if (v.SequenceCompareTo(_minB) < 0) _minB = v.ToArray();
        if (v.SequenceCompareTo(_maxB) > 0) _maxB = v.ToArray();
    }

    public Statistics Build()
    {
        var s = new Statistics { NullCount = Nulls };
        if (!_any || _tooLarge) return s;
        switch (type)
        {
            case ParquetType.Int32: s.MinValue = I32((int)_minI); s.MaxValue = I32((int)_maxI); break;
            case ParquetType.Int64: s.MinValue = I64(_minI); s.MaxValue = I64(_maxI); break;
            case ParquetType.Boolean: s.MinValue = [(byte)_minI]; s.MaxValue = [(byte)_maxI]; break;
            case ParquetType.Float:
                {
                    // the spec asks for -0.0 as a zero minimum and +0.0 as a zero maximum
                    float min = _minD == 0 ? -0.0f : (float)_minD, max = _maxD == 0 ? 0.0f : (float)_maxD;
                    s.MinValue = F32(min); s.MaxValue = F32(max); break;
                }
            case ParquetType.Double:
                {
                    double min = _minD == 0 ? -0.0 : _minD, max = _maxD == 0 ? 0.0 : _maxD;
                    s.MinValue = F64(min); s.MaxValue = F64(max); break;
                }
            default: s.MinValue = _minB; s.MaxValue = _maxB; break;
        }
        return s;
    }

    static byte[] I32(int v) { var b = new byte[4]; BinaryPrimitives.WriteInt32LittleEndian(b, v); return b; }
    static byte[] I64(long v) { var b = new byte[8]; BinaryPrimitives.WriteInt64LittleEndian(b, v); return b; }
    static byte[] F32(float v) { var b = new byte[4]; BinaryPrimitives.WriteSingleLittleEndian(b, v); return b; }
    static byte[] F64(double v) { var b = new byte[8]; BinaryPrimitives.WriteDoubleLittleEndian(b, v); return b; }
}
