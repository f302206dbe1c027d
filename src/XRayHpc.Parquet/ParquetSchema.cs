namespace XRayHpc.Parquet;

/// <summary>
/// One top-level column. Lists are the standard 3-level LIST of a primitive element; files written by
/// other tools (every node OPTIONAL) are mapped onto the same shape when read.
/// </summary>
public sealed record ParquetColumn
{
    public string Name { get; }
    public ParquetType Type { get; }
    /// <summary>The column (for lists: the list itself) may be null.</summary>
    public bool IsOptional { get; }
    public bool IsList { get; }
    /// <summary>List elements may be null (only in files from other writers).</summary>
    public bool ElementOptional { get; }
    /// <summary>Byte width of FixedLenByteArray values; 0 otherwise.</summary>
    public int TypeLength { get; }

    internal ParquetColumn(string name, ParquetType type, bool optional, bool isList, bool elementOptional, int typeLength)
    {
        if (string.IsNullOrEmpty(name)) throw new ArgumentException("column name must not be empty", nameof(name));
        if (type == ParquetType.FixedLenByteArray && typeLength <= 0)
            throw new ArgumentException($"column '{name}': FixedLenByteArray needs a positive typeLength", nameof(typeLength));
        if (isList && type is not (ParquetType.Float or ParquetType.Int32 or ParquetType.Int64 or ParquetType.Double))
            throw new ArgumentException($"column '{name}': lists of {type} are not supported", nameof(type));
        Name = name; Type = type; IsOptional = optional; IsList = isList; ElementOptional = elementOptional;
        TypeLength = type == ParquetType.FixedLenByteArray ? typeLength : 0;
    }

    public static ParquetColumn Required(string name, ParquetType type, int typeLength = 0) =>
        new(name, type, false, false, false, typeLength);

    public static ParquetColumn Optional(string name, ParquetType type, int typeLength = 0) =>
        new(name, type, true, false, false, typeLength);

    /// <summary>A 3-level LIST of a primitive element type; <paramref name="optional"/> allows null lists.</summary>
    public static ParquetColumn List(string name, ParquetType elementType, bool optional = false) =>
        new(name, elementType, optional, true, false, 0);

    public override string ToString() =>
        IsList ? $"{Name}: list<{Type}{(ElementOptional ? "?" : "")}>{(IsOptional ? "?" : "")}"
               : $"{Name}: {Type}{(TypeLength > 0 ? $"[{TypeLength}]" : "")}{(IsOptional ? "?" : "")}";
}

/// <summary>The ordered top-level columns of a file.</summary>
public sealed class ParquetSchema
{
    readonly ParquetColumn[] _columns;

    public ParquetSchema(params ParquetColumn[] columns)
    {
        ArgumentNullException.ThrowIfNull(columns);
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var c in columns)
            if (!seen.Add(c.Name)) throw new ArgumentException($"duplicate column name '{c.Name}'", nameof(columns));
        _columns = (ParquetColumn[])columns.Clone();
    }

    public IReadOnlyList<ParquetColumn> Columns => _columns;
    public int Count => _columns.Length;
    public ParquetColumn this[int i] => _columns[i];

    public int IndexOf(string name)
    {
        for (int i = 0; i < _columns.Length; i++) if (_columns[i].Name == name) return i;
        return -1;
    }

    public override string ToString() => string.Join(", ", _columns.Select(c => c.ToString()));
}
