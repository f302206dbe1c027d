using System.Text;

namespace XRayHpc.Parquet.Tests;

/// <summary>A deterministic table covering every type we write: nulls, lists, empty strings, repeats.</summary>
public static class SampleTable
{
    public static readonly ParquetSchema Schema = new(
        ParquetColumn.Required("i32", ParquetType.Int32),
        ParquetColumn.Required("i64", ParquetType.Int64),
        ParquetColumn.Required("f32", ParquetType.Float),
        ParquetColumn.Required("f64", ParquetType.Double),
        ParquetColumn.Required("b", ParquetType.Boolean),
        ParquetColumn.Optional("s_dict", ParquetType.String),
        ParquetColumn.Required("s_plain", ParquetType.String),
        ParquetColumn.Optional("bin", ParquetType.ByteArray),
        ParquetColumn.Required("flba", ParquetType.FixedLenByteArray, 16),
        ParquetColumn.Optional("i32n", ParquetType.Int32),
        ParquetColumn.Optional("i64n", ParquetType.Int64),
        ParquetColumn.Optional("f32n", ParquetType.Float),
        ParquetColumn.Optional("f64n", ParquetType.Double),
        ParquetColumn.Optional("bn", ParquetType.Boolean),
        ParquetColumn.List("fl", ParquetType.Float),
        ParquetColumn.List("il", ParquetType.Int32),
        ParquetColumn.List("fl_opt", ParquetType.Float, optional: true));

    public static RowGroup Build(int rows, int seed)
    {
        var rng = new Random(seed);
        T[] Make<T>(Func<int, T> f) => Enumerable.Range(0, rows).Select(f).ToArray();
        string[] words = ["alpha", "beta", "", "gamma δ", "x"];
        return new RowGroup(
            ColumnData.FromInt32(Make(i => rng.Next(int.MinValue, int.MaxValue))),
            ColumnData.FromInt64(Make(i => rng.NextInt64(long.MinValue, long.MaxValue))),
            ColumnData.FromFloat(Make(i => (float)(rng.NextDouble() * 2000 - 1000))),
            ColumnData.FromDouble(Make(i => rng.NextDouble() * 1e12 - 5e11)),
            ColumnData.FromBoolean(Make(i => rng.Next(3) == 0)),
            ColumnData.FromStrings(Make(i => i % 7 == 3 ? null : words[rng.Next(words.Length)])),
            ColumnData.FromStrings(Make(i => $"row-{i}-{new string('z', rng.Next(0, 20))}")),
            ColumnData.FromBinary(Make(i => i % 5 == 1 ? null : RandomBytes(rng, rng.Next(0, 40)))),
            ColumnData.FromFixedLenByteArray(Make(i => RandomBytes(rng, 16))),
            ColumnData.FromNullableInt32(Make(i => i % 4 == 0 ? (int?)null : rng.Next(-1000, 1000))),
            ColumnData.FromNullableInt64(Make(i => i % 3 == 0 ? (long?)null : rng.NextInt64(-1L << 40, 1L << 40))),
            ColumnData.FromNullableFloat(Make(i => i % 6 == 0 ? (float?)null : (float)rng.NextDouble())),
            ColumnData.FromNullableDouble(Make(i => i % 2 == 0 ? (double?)null : rng.NextDouble())),
            ColumnData.FromNullableBoolean(Make(i => i % 5 == 0 ? (bool?)null : rng.Next(2) == 1)),
            ColumnData.FromFloatLists(Make(i => Make2(rng.Next(0, 6), _ => (float)rng.Next(0, 2)))),
            ColumnData.FromInt32Lists(Make(i => Make2(rng.Next(0, 4), _ => rng.Next(-5, 5)))),
            ColumnData.FromFloatLists(Make(i => i % 4 == 2 ? null : Make2(rng.Next(0, 3), _ => (float)rng.NextDouble()))));
    }

    static T[] Make2<T>(int n, Func<int, T> f) => Enumerable.Range(0, n).Select(f).ToArray();

    static byte[] RandomBytes(Random rng, int n) { var b = new byte[n]; rng.NextBytes(b); return b; }
}
