using System.Text;

namespace XRayHpc.Parquet;

/// <summary>
/// The values of one column for one row group. Values are stored slot-aligned: one slot per row for flat
/// columns, one slot per list element for lists (null slots hold a default). Binary values read from a
/// file are slices of one buffer (no per-value allocation); use <see cref="GetBytes"/> for zero-copy access.
/// </summary>
public sealed class ColumnData
{
    public ParquetType Type { get; }
    public bool IsList { get; }
    /// <summary>Number of rows.</summary>
    public int Count { get; }

    internal readonly bool[]? RowValid;     // null: no null rows (flat: per value; list: per list)
    internal readonly int[]? ListOffsets;   // lists: Count + 1 offsets into the slots
    internal readonly bool[]? ElementValid; // lists: null elements (other writers only); null: none
    internal readonly int SlotCount;

    internal readonly int[]? Int32s;
    internal readonly long[]? Int64s;
    internal readonly float[]? Floats;
    internal readonly double[]? Doubles;
    internal readonly bool[]? Bools;
    internal readonly byte[]?[]? Jagged;    // binary given by the caller
    internal readonly byte[]? Arena;        // binary read from a file: slices of Arena
    internal readonly Slice[]? Slices;

    internal ColumnData(ParquetType type, bool isList, int count, bool[]? rowValid, int[]? listOffsets,
        bool[]? elementValid, int slotCount, int[]? i32 = null, long[]? i64 = null, float[]? f32 = null,
        double[]? f64 = null, bool[]? b = null, byte[]?[]? jagged = null, byte[]? arena = null,
        Slice[]? slices = null)
    {
        Type = type; IsList = isList; Count = count; RowValid = rowValid; ListOffsets = listOffsets;
        ElementValid = elementValid; SlotCount = slotCount; Int32s = i32; Int64s = i64; Floats = f32;
        Doubles = f64; Bools = b; Jagged = jagged; Arena = arena; Slices = slices;
    }

    // ---------------------------------------------------------------- construction (writer side)

    public static ColumnData FromBinary(byte[]?[] values) =>
        new(ParquetType.ByteArray, false, values.Length, ValidityOf(values), null, null, values.Length, jagged: values);

    /// <summary>Values for a FixedLenByteArray column (every non-null value must have the column's width).</summary>
    public static ColumnData FromFixedLenByteArray(byte[]?[] values) =>
        new(ParquetType.FixedLenByteArray, false, values.Length, ValidityOf(values), null, null, values.Length, jagged: values);

    public static ColumnData FromStrings(string?[] values)
    {
        var bytes = new byte[]?[values.Length];
        for (int i = 0; i < values.Length; i++) bytes[i] = values[i] is { } s ? Encoding.UTF8.GetBytes(s) : null;
        return new(ParquetType.String, false, values.Length, ValidityOf(values), null, null, values.Length, jagged: bytes);
    }

    public static ColumnData FromInt32(int[] values) => new(ParquetType.Int32, false, values.Length, null, null, null, values.Length, i32: values);
    public static ColumnData FromInt64(long[] values) => new(ParquetType.Int64, false, values.Length, null, null, null, values.Length, i64: values);
    public static ColumnData FromFloat(float[] values) => new(ParquetType.Float, false, values.Length, null, null, null, values.Length, f32: values);
    public static ColumnData FromDouble(double[] values) => new(ParquetType.Double, false, values.Length, null, null, null, values.Length, f64: values);
    public static ColumnData FromBoolean(bool[] values) => new(ParquetType.Boolean, false, values.Length, null, null, null, values.Length, b: values);

    public static ColumnData FromNullableInt32(int?[] values) => FromNullable(values, ParquetType.Int32, (v, valid) => new(ParquetType.Int32, false, v.Length, valid, null, null, v.Length, i32: v));
    public static ColumnData FromNullableInt64(long?[] values) => FromNullable(values, ParquetType.Int64, (v, valid) => new(ParquetType.Int64, false, v.Length, valid, null, null, v.Length, i64: v));
    public static ColumnData FromNullableFloat(float?[] values) => FromNullable(values, ParquetType.Float, (v, valid) => new(ParquetType.Float, false, v.Length, valid, null, null, v.Length, f32: v));
    public static ColumnData FromNullableDouble(double?[] values) => FromNullable(values, ParquetType.Double, (v, valid) => new(ParquetType.Double, false, v.Length, valid, null, null, v.Length, f64: v));
    public static ColumnData FromNullableBoolean(bool?[] values) => FromNullable(values, ParquetType.Boolean, (v, valid) => new(ParquetType.Boolean, false, v.Length, valid, null, null, v.Length, b: v));

    public static ColumnData FromFloatLists(float[]?[] lists)
    {
        var (offsets, valid, total) = ListShape(lists);
        var flat = new float[total];
        for (int i = 0; i < lists.Length; i++) lists[i]?.CopyTo(flat, offsets[i]);
        return new(ParquetType.Float, true, lists.Length, valid, offsets, null, total, f32: flat);
    }

    public static ColumnData FromInt32Lists(int[]?[] lists)
    {
        var (offsets, valid, total) = ListShape(lists);
        var flat = new int[total];
        for (int i = 0; i < lists.Length; i++) lists[i]?.CopyTo(flat, offsets[i]);
        return new(ParquetType.Int32, true, lists.Length, valid, offsets, null, total, i32: flat);
    }

    static ColumnData FromNullable<T>(T?[] values, ParquetType type, Func<T[], bool[]?, ColumnData> make) where T : struct
    {
        var v = new T[values.Length];
        bool[]? valid = null;
        for (int i = 0; i < values.Length; i++)
        {
            if (values[i] is { } x) v[i] = x;
            else (valid ??= Filled(values.Length))[i] = false;
        }
        return make(v, valid);
    }

    static bool[]? ValidityOf<T>(T?[] values) where T : class
    {
        bool[]? valid = null;
        for (int i = 0; i < values.Length; i++)
            if (values[i] is null) (valid ??= Filled(values.Length))[i] = false;
        return valid;
    }

    static (int[] offsets, bool[]? valid, int total) ListShape<T>(T[]?[] lists)
    {
        var offsets = new int[lists.Length + 1];
        bool[]? valid = null;
        long total = 0;
        for (int i = 0; i < lists.Length; i++)
        {
            offsets[i] = (int)total;
            if (lists[i] is { } l) total += l.Length;
            else (valid ??= Filled(lists.Length))[i] = false;
            if (total > Array.MaxLength) throw new ArgumentException("list column has too many elements for one row group");
        }
        offsets[lists.Length] = (int)total;
        return (offsets, valid, (int)total);
    }

    static bool[] Filled(int n) { var a = new bool[n]; Array.Fill(a, true); return a; }

    // ---------------------------------------------------------------- access (reader side)

    /// <summary>True when row <paramref name="row"/> is null (for lists: the list itself is null).</summary>
    public bool IsNull(int row) => RowValid is { } v && !v[row];

    /// <summary>True when some row is null.</summary>
    public bool HasNulls => RowValid is { } v && Array.IndexOf(v, false) >= 0;

    bool IsBinary => Type is ParquetType.ByteArray or ParquetType.String or ParquetType.FixedLenByteArray;

    /// <summary>Zero-copy view of a binary/string value (empty for null).</summary>
    public ReadOnlySpan<byte> GetBytes(int row)
    {
        RequireFlat(IsBinary, "binary");
        if (Jagged is not null) return Jagged[row];
        return new ReadOnlySpan<byte>(Arena, Slices![row].Start, Slices[row].Length);
    }

    /// <summary>Zero-copy view of a binary/string value as memory (empty for null).</summary>
    public ReadOnlyMemory<byte> GetMemory(int row)
    {
        RequireFlat(IsBinary, "binary");
        if (Jagged is not null) return Jagged[row];
        return new ReadOnlyMemory<byte>(Arena, Slices![row].Start, Slices[row].Length);
    }

    public byte[]?[] AsBinary()
    {
        RequireFlat(IsBinary, "binary");
        var r = new byte[]?[Count];
        for (int i = 0; i < Count; i++) r[i] = IsNull(i) ? null : GetBytes(i).ToArray();
        return r;
    }

    public string?[] AsStrings()
    {
        RequireFlat(IsBinary, "string");
        var r = new string?[Count];
        for (int i = 0; i < Count; i++) r[i] = IsNull(i) ? null : Encoding.UTF8.GetString(GetBytes(i));
        return r;
    }

    public int[] AsInt32() => NonNull(Int32s, ParquetType.Int32);
    public long[] AsInt64() => NonNull(Int64s, ParquetType.Int64);
    public float[] AsFloat() => NonNull(Floats, ParquetType.Float);
    public double[] AsDouble() => NonNull(Doubles, ParquetType.Double);
    public bool[] AsBoolean() => NonNull(Bools, ParquetType.Boolean);

    public int?[] AsNullableInt32() => Nullable(Int32s, ParquetType.Int32);
    public long?[] AsNullableInt64() => Nullable(Int64s, ParquetType.Int64);
    public float?[] AsNullableFloat() => Nullable(Floats, ParquetType.Float);
    public double?[] AsNullableDouble() => Nullable(Doubles, ParquetType.Double);
    public bool?[] AsNullableBoolean() => Nullable(Bools, ParquetType.Boolean);

    /// <summary>Lists of floats (null rows give null). Null elements, which only other writers produce, read as NaN.</summary>
    public float[]?[] AsFloatLists() => Lists(Floats, ParquetType.Float, float.NaN);

    /// <summary>Lists of int32 (null rows give null). Null elements are not representable and throw.</summary>
    public int[]?[] AsInt32Lists() => Lists(Int32s, ParquetType.Int32, null);

    /// <summary>Lists of int32 where elements may be null (files from other writers).</summary>
    public int?[]?[] AsNullableInt32Lists()
    {
        if (!IsList || Int32s is null) throw new InvalidOperationException($"column is {Describe()}, not list<Int32>");
        var r = new int?[]?[Count];
        for (int i = 0; i < Count; i++)
        {
            if (IsNull(i)) continue;
            int s = ListOffsets![i], n = ListOffsets[i + 1] - s;
            var a = new int?[n];
            for (int j = 0; j < n; j++) a[j] = ElementValid is { } v && !v[s + j] ? null : Int32s[s + j];
            r[i] = a;
        }
        return r;
    }

    /// <summary>Lists of int64 (null rows give null).</summary>
    public long[]?[] AsInt64Lists() => Lists(Int64s, ParquetType.Int64, null);

    /// <summary>Lists of doubles (null rows give null, null elements NaN).</summary>
    public double[]?[] AsDoubleLists() => Lists(Doubles, ParquetType.Double, double.NaN);

    /// <summary>Span over the flat element values of a list column (zero-copy) for row <paramref name="row"/>.</summary>
    public ReadOnlySpan<float> GetFloatList(int row)
    {
        if (!IsList || Floats is null) throw new InvalidOperationException($"column is {Describe()}, not list<Float>");
        return new ReadOnlySpan<float>(Floats, ListOffsets![row], ListOffsets[row + 1] - ListOffsets[row]);
    }

    T[] NonNull<T>(T[]? values, ParquetType want)
    {
        RequireFlat(values is not null, want.ToString());
        if (HasNulls) throw new InvalidOperationException($"{want} column has nulls; use AsNullable{want}()");
        return values!;
    }

    T?[] Nullable<T>(T[]? values, ParquetType want) where T : struct
    {
        RequireFlat(values is not null, want.ToString());
        var r = new T?[Count];
        for (int i = 0; i < Count; i++) r[i] = IsNull(i) ? null : values![i];
        return r;
    }

    T[]?[] Lists<T>(T[]? values, ParquetType want, T? nullElement) where T : struct
    {
        if (!IsList || values is null) throw new InvalidOperationException($"column is {Describe()}, not list<{want}>");
        var r = new T[]?[Count];
        for (int i = 0; i < Count; i++)
        {
            if (IsNull(i)) continue;
            int s = ListOffsets![i], n = ListOffsets[i + 1] - s;
            var a = new T[n];
            Array.Copy(values, s, a, 0, n);
            if (ElementValid is not null)
                for (int j = 0; j < n; j++)
                    if (!ElementValid[s + j])
                        a[j] = nullElement ?? throw new InvalidOperationException($"list<{want}> row {i} has a null element");
            r[i] = a;
        }
        return r;
    }

    void RequireFlat(bool ok, string want)
    {
        if (IsList || !ok) throw new InvalidOperationException($"column is {Describe()}, not {want}");
    }

    string Describe() => IsList ? $"list<{Type}>" : Type.ToString();
}

/// <summary>A binary value's position in a column's shared buffer.</summary>
internal struct Slice(int start, int length)
{
    public int Start = start;
    public int Length = length;
}
