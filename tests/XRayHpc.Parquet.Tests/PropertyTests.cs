using FsCheck;
using FsCheck.Fluent;
using Microsoft.FSharp.Core;

namespace XRayHpc.Parquet.Tests;

/// <summary>FsCheck round trips of random tables: every type, nulls, all-null and empty columns,
/// empty and single-row row groups, tiny pages, and values of 4 MB and more.</summary>
public class PropertyTests
{
    // fixed seed: a failure reproduces on every run
    static Config Cfg(int maxTest) => Config.QuickThrowOnFailure.WithMaxTest(maxTest).WithQuietOnSuccess(true)
        .WithReplay(FSharpOption<Replay>.Some(new Replay(new Rnd(20261122UL, 7919UL), FSharpOption<int>.None)));

    public sealed record TableSpec(int Seed, int[] Kinds, int[] NullModes, int[] RowGroups, int Codec, int PageSize, int RowLimit)
    {
        public override string ToString() =>
            $"seed={Seed} kinds=[{string.Join(",", Kinds)}] nulls=[{string.Join(",", NullModes)}] groups=[{string.Join(",", RowGroups)}] codec={Codec} page={PageSize} limit={RowLimit}";
    }

    const int KindCount = 11;

    static readonly Gen<TableSpec> Specs =
        from seed in Gen.Choose(0, int.MaxValue)
        from ncols in Gen.Choose(1, 6)
        from kinds in Gen.ArrayOf(Gen.Choose(0, KindCount - 1), ncols)
        from nulls in Gen.ArrayOf(Gen.Choose(0, 2), ncols)
        from ngroups in Gen.Choose(0, 4)
        from groups in Gen.ArrayOf(Gen.Frequency((3, Gen.Choose(0, 60)), (1, Gen.Constant(0)), (1, Gen.Constant(1))), ngroups)
        from codec in Gen.Choose(0, 3)
        from page in Gen.Elements(16, 200, 4096, 1 << 20)
        from limit in Gen.Elements(1, 7, 1000)
        select new TableSpec(seed, kinds, nulls, groups, codec, page, limit);

    static ParquetColumn Column(int i, int kind, int nullMode, int width)
    {
        string name = $"c{i}";
        bool opt = nullMode > 0;
        return kind switch
        {
            0 => Mk(name, ParquetType.Int32, opt),
            1 => Mk(name, ParquetType.Int64, opt),
            2 => Mk(name, ParquetType.Float, opt),
            3 => Mk(name, ParquetType.Double, opt),
            4 => Mk(name, ParquetType.Boolean, opt),
            5 => Mk(name, ParquetType.String, opt),
            6 => Mk(name, ParquetType.ByteArray, opt),
            7 => opt ? ParquetColumn.Optional(name, ParquetType.FixedLenByteArray, width) : ParquetColumn.Required(name, ParquetType.FixedLenByteArray, width),
            8 => ParquetColumn.List(name, ParquetType.Float),
            9 => ParquetColumn.List(name, ParquetType.Int32),
            _ => ParquetColumn.List(name, ParquetType.Float, optional: true),
        };
    }

    static ParquetColumn Mk(string name, ParquetType t, bool opt) => opt ? ParquetColumn.Optional(name, t) : ParquetColumn.Required(name, t);

    static readonly float[] SpecialFloats = [0f, -0f, float.NaN, float.PositiveInfinity, float.NegativeInfinity, float.Epsilon, float.MaxValue];

    static ColumnData Data(ParquetColumn col, int rows, int nullMode, Random rng)
    {
        bool Null() => nullMode == 2 || nullMode == 1 && rng.Next(3) == 0;
        T[] Make<T>(Func<T> f) { var a = new T[rows]; for (int i = 0; i < rows; i++) a[i] = f(); return a; }
        float F() => rng.Next(8) == 0 ? SpecialFloats[rng.Next(SpecialFloats.Length)] : (float)(rng.NextDouble() * 200 - 100);
        string S() => rng.Next(4) == 0 ? "" : new string(Enumerable.Range(0, rng.Next(1, 12)).Select(_ => "abcé漢 \0z"[rng.Next(8)]).ToArray());
        byte[] B(int n) { var b = new byte[n]; rng.NextBytes(b); return b; }
        if (col.IsList)
        {
            if (col.Type == ParquetType.Int32)
                return ColumnData.FromInt32Lists(Make(() => Enumerable.Range(0, rng.Next(0, 5)).Select(_ => rng.Next()).ToArray()));
            return ColumnData.FromFloatLists(Make(() => col.IsOptional && Null() ? null : Enumerable.Range(0, rng.Next(0, 5)).Select(_ => F()).ToArray()));
        }
        bool opt = col.IsOptional;
        return col.Type switch
        {
            ParquetType.Int32 => opt ? ColumnData.FromNullableInt32(Make(() => Null() ? (int?)null : rng.Next(int.MinValue, int.MaxValue))) : ColumnData.FromInt32(Make(() => rng.Next(int.MinValue, int.MaxValue))),
            ParquetType.Int64 => opt ? ColumnData.FromNullableInt64(Make(() => Null() ? (long?)null : rng.NextInt64(long.MinValue, long.MaxValue))) : ColumnData.FromInt64(Make(() => rng.NextInt64(long.MinValue, long.MaxValue))),
            ParquetType.Float => opt ? ColumnData.FromNullableFloat(Make(() => Null() ? (float?)null : F())) : ColumnData.FromFloat(Make(F)),
            ParquetType.Double => opt ? ColumnData.FromNullableDouble(Make(() => Null() ? (double?)null : (double)F() * 1e100)) : ColumnData.FromDouble(Make(() => rng.NextDouble())),
            ParquetType.Boolean => opt ? ColumnData.FromNullableBoolean(Make(() => Null() ? (bool?)null : rng.Next(2) == 0)) : ColumnData.FromBoolean(Make(() => rng.Next(2) == 0)),
            ParquetType.String => ColumnData.FromStrings(Make(() => opt && Null() ? null : S())),
            ParquetType.ByteArray => ColumnData.FromBinary(Make(() => opt && Null() ? null : B(rng.Next(0, 30)))),
            _ => ColumnData.FromFixedLenByteArray(Make(() => opt && Null() ? null : B(col.TypeLength))),
        };
    }

    static void RoundTrip(TableSpec spec)
    {
        var rng = new Random(spec.Seed);
        var cols = spec.Kinds.Select((k, i) => Column(i, k, spec.NullModes[i], 1 + rng.Next(8))).ToArray();
        var schema = new ParquetSchema(cols);
        var groups = spec.RowGroups.Select(n => new RowGroup(cols.Select((c, i) => Data(c, n, spec.NullModes[i], rng)).ToArray())).ToArray();
        using var dir = new TempDir();
        var path = dir.File("p.parquet");
        var codec = (ParquetCodec)spec.Codec;
        using (var w = new ParquetFileWriter(path, schema, new ParquetWriteOptions { Codec = codec, PageSizeBytes = spec.PageSize, RowGroupRowLimit = spec.RowLimit }))
            foreach (var g in groups) w.WriteRowGroup(g);

        using var r = ParquetFileReader.Open(path);
        int expectedGroups = spec.RowGroups.Sum(n => n == 0 ? 1 : (n + spec.RowLimit - 1) / spec.RowLimit);
        Assert.Equal(expectedGroups, r.RowGroups.Count);
        Assert.Equal(spec.RowGroups.Sum(), r.RowCount);
        Assert.Equal(schema.ToString(), r.Schema.ToString());
        for (int c = 0; c < cols.Length; c++)
        {
            var want = groups.SelectMany(g => Canonical.Of(g.Columns[c])).ToList();
            var got = Enumerable.Range(0, r.RowGroups.Count).SelectMany(g => Canonical.Of(r.ReadColumn(g, cols[c].Name))).ToList();
            Assert.True(want.SequenceEqual(got), $"{spec}: column {cols[c]} differs");
        }
    }

    [Fact]
    public void RandomTablesRoundTrip() =>
        Check.One(Cfg(120), Prop.ForAll(Specs.ToArbitrary(), (Action<TableSpec>)RoundTrip));

    [Fact]
    public void ValuesOfFourMegabytesAndMoreRoundTrip()
    {
        var sizes = from extra in Gen.Choose(0, 1 << 20)
                    from codec in Gen.Choose(0, 3)
                    select (size: (4 << 20) + extra, codec);
        Check.One(Cfg(4), Prop.ForAll(sizes.ToArbitrary(), (Action<(int size, int codec)>)(t =>
        {
            var rng = new Random(t.size);
            var big = new byte[t.size];
            rng.NextBytes(big.AsSpan(0, t.size / 2)); // half random, half zeros: compressible and not
            var text = new string('é', t.size / 2);
            using var dir = new TempDir();
            var path = dir.File("big.parquet");
            var schema = new ParquetSchema(ParquetColumn.Optional("img", ParquetType.ByteArray), ParquetColumn.Required("s", ParquetType.String));
            using (var w = new ParquetFileWriter(path, schema, new ParquetWriteOptions { Codec = (ParquetCodec)t.codec }))
                w.WriteRowGroup(new RowGroup(ColumnData.FromBinary([big, null, [], big]), ColumnData.FromStrings([text, "", "x", text])));
            using var r = ParquetFileReader.Open(path);
            var img = r.ReadColumn(0, "img");
            Assert.True(img.GetBytes(0).SequenceEqual(big));
            Assert.True(img.IsNull(1));
            Assert.Equal(0, img.GetBytes(2).Length);
            Assert.True(img.GetBytes(3).SequenceEqual(big));
            Assert.Equal(new[] { text, "", "x", text }, r.ReadColumn(0, "s").AsStrings());
        })));
    }
}
