namespace XRayHpc.Parquet.Format;

/// <summary>How one of our columns maps onto a leaf of the file's schema tree.</summary>
internal sealed record LeafDescriptor(
    ParquetColumn Column,
    int LeafIndex,           // position among the file's leaves = column chunk index
    string[] Path,
    PhysicalType Physical,
    int TypeLength,
    int MaxDef,
    int MaxRep,
    int ListPresentDef,      // lists: def >= this means the list is not null
    int ElementDef);         // lists: def >= this means an element slot exists

/// <summary>Maps a Parquet schema (flat element list) onto our columns.</summary>
internal static class SchemaMapper
{
    public sealed record Result(ParquetSchema Schema, LeafDescriptor[] Leaves, Dictionary<string, string> Unsupported, int LeafCount);

    public static Result Map(List<SchemaElement> elements)
    {
        if (elements.Count == 0) throw new CorruptDataException("schema is empty");
        var columns = new List<ParquetColumn>();
        var leaves = new List<LeafDescriptor>();
        var unsupported = new Dictionary<string, string>();
        int idx = 1, leaf = 0;
        int topCount = elements[0].NumChildren;
        if (topCount < 0 || topCount > elements.Count) throw new CorruptDataException($"schema root claims {topCount} children");
        for (int c = 0; c < topCount; c++)
        {
            if (idx >= elements.Count) throw new CorruptDataException("schema ends before all columns are described");
            int start = idx, firstLeaf = leaf;
            var top = elements[idx];
            int leafCount = CountSubtree(elements, ref idx);
            leaf += leafCount;
            string? why;
            LeafDescriptor? desc;
            try { why = TryMap(elements, start, firstLeaf, leafCount, out desc); }
            catch (ArgumentException e) { throw new CorruptDataException($"schema element '{top.Name}' is invalid: {e.Message}"); }
            if (desc is not null) { columns.Add(desc.Column); leaves.Add(desc); }
            else unsupported[top.Name] = why!;
        }
        ParquetSchema schema;
        try { schema = new ParquetSchema(columns.ToArray()); }
        catch (ArgumentException e) { throw new CorruptDataException($"schema is invalid: {e.Message}"); }
        return new Result(schema, leaves.ToArray(), unsupported, leaf);
    }

    /// <summary>Advances idx past the subtree rooted at idx; returns its number of leaves.</summary>
    static int CountSubtree(List<SchemaElement> el, ref int idx)
    {
        // iterative so a corrupt child count cannot recurse deeply
        int leaves = 0, pending = 1;
        while (pending > 0)
        {
            if (idx >= el.Count) throw new CorruptDataException("schema ends inside a group");
            var e = el[idx++];
            pending--;
            if (e.Type is null && e.NumChildren > 0)
            {
                if (e.NumChildren > el.Count) throw new CorruptDataException($"schema group '{e.Name}' claims {e.NumChildren} children");
                pending += e.NumChildren;
            }
            else leaves++;
        }
        return leaves;
    }

    static ParquetType? ScalarType(SchemaElement e) => e.Type switch
    {
        PhysicalType.Boolean => ParquetType.Boolean,
        PhysicalType.Int32 => ParquetType.Int32,
        PhysicalType.Int64 => ParquetType.Int64,
        PhysicalType.Float => ParquetType.Float,
        PhysicalType.Double => ParquetType.Double,
        PhysicalType.ByteArray => IsText(e) ? ParquetType.String : ParquetType.ByteArray,
        PhysicalType.FixedLenByteArray => ParquetType.FixedLenByteArray,
        PhysicalType.Int96 => ParquetType.FixedLenByteArray,
        _ => null,
    };

    static bool IsText(SchemaElement e) =>
        e.ConvertedType is ConvertedType.Utf8 or ConvertedType.Enum or ConvertedType.Json
        || e.LogicalTypeId is 1 or 4 or 12;

    static int Width(SchemaElement e) => e.Type == PhysicalType.Int96 ? 12 : e.TypeLength;

    static string? TryMap(List<SchemaElement> el, int start, int firstLeaf, int leafCount, out LeafDescriptor? desc)
    {
        desc = null;
        var top = el[start];
        if (top.Type is not null)
        {
            var t = ScalarType(top);
            if (t is null) return $"physical type {top.Type} is not supported";
            if (t == ParquetType.FixedLenByteArray && Width(top) <= 0) return "FIXED_LEN_BYTE_ARRAY without a positive type_length";
            var rep = top.RepetitionType ?? Repetition.Required;
            if (rep == Repetition.Repeated)
            {
                if (t is not (ParquetType.Float or ParquetType.Int32 or ParquetType.Int64 or ParquetType.Double)) return $"repeated {t} is not supported";
                desc = new(ParquetColumn.List(top.Name, t.Value), firstLeaf, [top.Name], top.Type.Value, 0, 1, 1, 0, 1);
                return null;
            }
            bool opt = rep == Repetition.Optional;
            desc = new(opt ? ParquetColumn.Optional(top.Name, t.Value, Width(top)) : ParquetColumn.Required(top.Name, t.Value, Width(top)),
                firstLeaf, [top.Name], top.Type.Value, Width(top), opt ? 1 : 0, 0, 0, 0);
            return null;
        }
        bool isList = top.ConvertedType == ConvertedType.List || top.LogicalTypeId == 3;
        if (!isList || top.NumChildren != 1 || leafCount != 1) return "nested groups other than a LIST of a primitive are not supported";
        if (top.RepetitionType == Repetition.Repeated) return "a repeated LIST group is not supported";
        int listPresent = top.RepetitionType == Repetition.Optional ? 1 : 0;
        var mid = el[start + 1];
        if (mid.RepetitionType != Repetition.Repeated) return "LIST child is not repeated";
        SchemaElement leaf;
        string[] path;
        bool elemOptional = false;
        if (mid.Type is not null) { leaf = mid; path = [top.Name, mid.Name]; } // 2-level list
        else
        {
            if (mid.NumChildren != 1) return "LIST element group has more than one field";
            leaf = el[start + 2];
            if (leaf.Type is null) return "LIST element is not primitive";
            if (leaf.RepetitionType == Repetition.Repeated) return "LIST element is repeated";
            elemOptional = leaf.RepetitionType == Repetition.Optional;
            path = [top.Name, mid.Name, leaf.Name];
        }
        var et = ScalarType(leaf);
        if (et is not (ParquetType.Float or ParquetType.Int32 or ParquetType.Int64 or ParquetType.Double))
            return $"LIST of {et?.ToString() ?? leaf.Type.ToString()} is not supported";
        int elementDef = listPresent + 1;
        var col = ParquetColumn.List(top.Name, et.Value, listPresent == 1) with { };
        col = WithElementOptional(col, elemOptional);
        desc = new(col, firstLeaf, path, leaf.Type!.Value, 0, elementDef + (elemOptional ? 1 : 0), 1, listPresent, elementDef);
        return null;
    }

    static ParquetColumn WithElementOptional(ParquetColumn c, bool elemOptional) =>
        elemOptional ? new ParquetColumn(c.Name, c.Type, c.IsOptional, true, true, 0) : c;
}
