using System.Buffers.Binary;
using System.Numerics;
using System.Text;

namespace XRayHpc.Torch.serialization;

/// <summary>
/// A restricted pickle interpreter: the opcodes CPython's pickler emits for a torch state_dict (protocols 2–5)
/// and nothing that constructs arbitrary objects. Imports are checked against an allowlist when they are read,
/// calls (REDUCE) are interpreted here, by name, for the three callables a state_dict uses; everything else is
/// refused with <see cref="UnsafePickleException"/> before it could have any effect. Every length is checked
/// against the bytes left, so a hostile file cannot make it allocate more than the file holds or loop.
/// </summary>
internal sealed class PickleMachine
{
    /// <summary>Storage classes a persistent id may name, by their torch name, and their element type.</summary>
    internal static readonly IReadOnlyDictionary<string, ScalarType> StorageTypes = new Dictionary<string, ScalarType>
    {
        ["FloatStorage"] = ScalarType.Float32, ["DoubleStorage"] = ScalarType.Float64, ["HalfStorage"] = ScalarType.Float16,
        ["BFloat16Storage"] = ScalarType.BFloat16, ["LongStorage"] = ScalarType.Int64, ["IntStorage"] = ScalarType.Int32,
        ["ByteStorage"] = ScalarType.Byte, ["BoolStorage"] = ScalarType.Bool,
    };

    static readonly HashSet<string> Callables = ["collections.OrderedDict", "torch._utils._rebuild_tensor_v2", "torch._utils._rebuild_parameter"];

    readonly Stream _in;
    readonly string _what; // file (and entry) named in every error
    long _left;
    readonly long _limit;
    readonly Func<ScalarType, string, long, object?, StorageRef> _persistentLoad;
    readonly List<object?> _stack = new();
    readonly List<int> _marks = new();
    readonly Dictionary<long, object?> _memo = new();

    /// <param name="input">positioned at the pickle; left just after its STOP opcode</param>
    /// <param name="limit">bytes the pickle may use at most (the rest of the file or entry)</param>
    /// <param name="persistentLoad">(dtype, key, numel, view metadata) of a ('storage', ...) persistent id → its storage</param>
    public PickleMachine(Stream input, long limit, string what, Func<ScalarType, string, long, object?, StorageRef> persistentLoad)
    {
        _in = input; _left = _limit = limit; _what = what; _persistentLoad = persistentLoad;
    }

    public object? Run()
    {
        while (true)
        {
            long at = _left;
            byte op = U8();
            switch (op)
            {
                case 0x80: if (U8() > 5) throw Bad("pickle protocol above 5"); break;       // PROTO
                case 0x95: Bytes(8); break;                                                    // FRAME: a length hint only
                case (byte)'.': return Single("STOP");                                       // STOP
                case (byte)'(': _marks.Add(_stack.Count); break;                             // MARK
                case (byte)')': Push(Array.Empty<object?>()); break;                         // EMPTY_TUPLE
                case (byte)'t': Push(PopMark().ToArray()); break;                            // TUPLE
                case 0x85: Push(PopN(1)); break;                                               // TUPLE1
                case 0x86: Push(PopN(2)); break;                                               // TUPLE2
                case 0x87: Push(PopN(3)); break;                                               // TUPLE3
                case (byte)']': Push(new List<object?>()); break;                            // EMPTY_LIST
                case (byte)'l': Push(PopMark()); break;                                      // LIST
                case (byte)'a': { var v = Pop(); ListAt().Add(v); break; }                   // APPEND
                case (byte)'e': { var items = PopMark(); ListAt().AddRange(items); break; }  // APPENDS
                case (byte)'}': Push(new PyDict()); break;                                   // EMPTY_DICT
                case (byte)'d': { var d = new PyDict(); SetItems(d, PopMark()); Push(d); break; } // DICT
                case (byte)'s': { var v = Pop(); var k = Pop(); DictAt().Set(k, v); break; } // SETITEM
                case (byte)'u': { var items = PopMark(); SetItems(DictAt(), items); break; } // SETITEMS
                case (byte)'N': Push(null); break;                                           // NONE
                case 0x88: Push(true); break;                                                  // NEWTRUE
                case 0x89: Push(false); break;                                                 // NEWFALSE
                case (byte)'K': Push((long)U8()); break;                                     // BININT1
                case (byte)'M': Push((long)BinaryPrimitives.ReadUInt16LittleEndian(Bytes(2))); break; // BININT2
                case (byte)'J': Push((long)BinaryPrimitives.ReadInt32LittleEndian(Bytes(4))); break;  // BININT
                case 0x8a: Push(Long(U8())); break;                                            // LONG1
                case 0x8b: Push(Long(Length(4))); break;                                       // LONG4
                case (byte)'G': Push(BinaryPrimitives.ReadDoubleBigEndian(Bytes(8))); break; // BINFLOAT
                case (byte)'X': Push(Utf8(Length(4))); break;                                // BINUNICODE
                case 0x8c: Push(Utf8(U8())); break;                                            // SHORT_BINUNICODE
                case 0x8d: Push(Utf8(Length(8))); break;                                       // BINUNICODE8
                case (byte)'T': Push(Latin1(Length(4))); break;                              // BINSTRING
                case (byte)'U': Push(Latin1(U8())); break;                                   // SHORT_BINSTRING
                case (byte)'B': Push(Bytes(Length(4))); break;                               // BINBYTES
                case (byte)'C': Push(Bytes(U8())); break;                                    // SHORT_BINBYTES
                case 0x8e: Push(Bytes(Length(8))); break;                                      // BINBYTES8
                case (byte)'q': _memo[U8()] = Top(); break;                                  // BINPUT
                case (byte)'r': _memo[BinaryPrimitives.ReadUInt32LittleEndian(Bytes(4))] = Top(); break; // LONG_BINPUT
                case 0x94: _memo[_memo.Count] = Top(); break;                                  // MEMOIZE
                case (byte)'h': Push(Memo(U8())); break;                                     // BINGET
                case (byte)'j': Push(Memo(BinaryPrimitives.ReadUInt32LittleEndian(Bytes(4)))); break; // LONG_BINGET
                case (byte)'0': Pop(); break;                                                // POP
                case (byte)'1': PopMark(); break;                                            // POP_MARK
                case (byte)'2': Push(Top()); break;                                          // DUP
                case (byte)'c': Push(Import(Line(), Line())); break;                         // GLOBAL
                case 0x93: { var name = Pop(); var module = Pop(); Push(Import(module as string, name as string)); break; } // STACK_GLOBAL
                case (byte)'R': { var args = Pop(); var f = Pop(); Push(Reduce(f, args)); break; } // REDUCE
                case (byte)'b': { var state = Pop(); Build(Top(), state); break; }           // BUILD
                case (byte)'Q': Push(Persistent(Pop())); break;                              // BINPERSID
                default:
                    // INST, OBJ, NEWOBJ(_EX), EXT*, text PERSID and the protocol-0 text opcodes: a state_dict
                    // written by torch.save never contains them, and the object-making ones are how exploits work.
                    throw new UnsafePickleException($"{_what}: pickle opcode 0x{op:x2} at byte {Position(at)} is not allowed in a state_dict; refusing to load the file (nothing in it was executed)");
            }
        }
    }

    long Position(long leftAtOp) => _limit - leftAtOp;

    // ---- the three calls a state_dict makes ----------------------------------------------------------

    object Import(string? module, string? name)
    {
        if (module == null || name == null) throw Bad("STACK_GLOBAL needs two strings");
        var full = $"{module}.{name}";
        if (Callables.Contains(full) || (module == "torch" && StorageTypes.ContainsKey(name))) return new PyGlobal(module, name);
        throw new UnsafePickleException($"{_what}: the pickle imports '{full}', which a state_dict never needs; refusing to load the file (nothing in it was executed). " +
                                        "Allowed: collections.OrderedDict, torch._utils._rebuild_tensor_v2, torch._utils._rebuild_parameter, torch.<Type>Storage.");
    }

    object? Reduce(object? callable, object? args)
    {
        if (callable is not PyGlobal g || args is not object?[] a)
            throw new UnsafePickleException($"{_what}: the pickle calls {Describe(callable)}; only OrderedDict() and tensor rebuilds are allowed (nothing was executed)");
        switch (g.FullName)
        {
            case "collections.OrderedDict":
                if (a.Length != 0) throw Bad("OrderedDict(...) with arguments");
                return new PyDict();
            case "torch._utils._rebuild_tensor_v2":
                if (a.Length is < 6 or > 7) throw Bad($"_rebuild_tensor_v2 with {a.Length} arguments");
                if (a[0] is not StorageRef s || a[1] is not long offset) throw Bad("_rebuild_tensor_v2 without a storage and an integer offset");
                if (a[4] is not bool) throw Bad("_rebuild_tensor_v2: requires_grad is not a bool");
                NoHooks(a[5]);
                if (a.Length == 7 && a[6] is PyDict { Items.Count: > 0 }) throw new UnsafePickleException($"{_what}: a tensor with Python metadata (a tensor subclass) is not a plain state_dict tensor");
                return new TensorRef(s, offset, Ints(a[2], "size"), Ints(a[3], "stride"));
            case "torch._utils._rebuild_parameter":
                if (a.Length != 3 || a[0] is not TensorRef t) throw Bad("_rebuild_parameter(tensor, requires_grad, hooks) expected");
                NoHooks(a[2]);
                return t;
            default:
                throw new UnsafePickleException($"{_what}: the pickle calls '{g.FullName}'; only OrderedDict() and tensor rebuilds are allowed (nothing was executed)");
        }
    }

    // Backward hooks are Python callables: a state_dict has none, and one would have to be executed.
    void NoHooks(object? hooks)
    {
        if (hooks is not (null or PyDict { Items.Count: 0 }))
            throw new UnsafePickleException($"{_what}: a tensor carries backward hooks (Python code); refusing to load the file");
    }

    void Build(object? target, object? state)
    {
        // OrderedDict's BUILD sets attributes such as state_dict's `_metadata` (module versions): data we do not need.
        if (target is PyDict && state is null or PyDict) return;
        throw new UnsafePickleException($"{_what}: the pickle sets the state of {Describe(target)}; only a dict's attributes may be set");
    }

    StorageRef Persistent(object? pid)
    {
        // zip: ('storage', StorageType, key, location, numel); legacy: the same plus view_metadata.
        if (pid is not object?[] { Length: 5 or 6 } t || t[0] is not "storage" || t[1] is not PyGlobal { Module: "torch" } type
            || !StorageTypes.TryGetValue(type.Name, out var dtype) || t[2] is not string key || t[3] is not string || t[4] is not long numel || numel < 0)
            throw Bad($"persistent id {Describe(pid)} is not ('storage', torch.<Type>Storage, key, location, numel)");
        return _persistentLoad(dtype, key, numel, t.Length == 6 ? t[5] : null);
    }

    // ---- stack, memo, reading ------------------------------------------------------------------------

    void Push(object? v) => _stack.Add(v);

    object? Pop()
    {
        if (_stack.Count == 0 || (_marks.Count > 0 && _marks[^1] == _stack.Count)) throw Bad("stack underflow");
        var v = _stack[^1];
        _stack.RemoveAt(_stack.Count - 1);
        return v;
    }

    object? Top() => _stack.Count > 0 ? _stack[^1] : throw Bad("memo/dup of an empty stack");

    object?[] PopN(int n)
    {
        var r = new object?[n];
        for (int i = n - 1; i >= 0; i--) r[i] = Pop();
        return r;
    }

    List<object?> PopMark()
    {
        if (_marks.Count == 0) throw Bad("no MARK on the stack");
        int m = _marks[^1];
        _marks.RemoveAt(_marks.Count - 1);
        var items = _stack.GetRange(m, _stack.Count - m);
        _stack.RemoveRange(m, _stack.Count - m);
        return items;
    }

    object? Single(string op)
    {
        if (_stack.Count != 1 || _marks.Count != 0) throw Bad($"{op} with {_stack.Count} values on the stack");
        return _stack[0];
    }

    List<object?> ListAt() => Top() as List<object?> ?? throw new UnsafePickleException($"{_what}: APPEND to {Describe(Top())} (only lists are allowed)");
    PyDict DictAt() => Top() as PyDict ?? throw new UnsafePickleException($"{_what}: SETITEM on {Describe(Top())} (only dicts are allowed)");

    void SetItems(PyDict d, List<object?> items)
    {
        if (items.Count % 2 != 0) throw Bad("SETITEMS with an odd number of values");
        for (int i = 0; i < items.Count; i += 2) d.Set(items[i], items[i + 1]);
    }

    object? Memo(long i) => _memo.TryGetValue(i, out var v) ? v : throw Bad($"memo entry {i} read before it was written");

    long[] Ints(object? v, string what) => v is object?[] a && a.All(x => x is long)
        ? a.Select(x => (long)x!).ToArray() : throw Bad($"tensor {what} is not a tuple of integers");

    byte U8()
    {
        if (_left < 1) throw Bad("ends before STOP");
        int b = _in.ReadByte();
        if (b < 0) throw Bad("ends before STOP");
        _left--;
        return (byte)b;
    }

    int Length(int width)
    {
        var b = Bytes(width);
        ulong n = width == 4 ? BinaryPrimitives.ReadUInt32LittleEndian(b) : BinaryPrimitives.ReadUInt64LittleEndian(b);
        if (n > (ulong)_left) throw Bad($"a {n}-byte value exceeds the {_left} bytes left");
        return (int)n;
    }

    byte[] Bytes(int n)
    {
        if (n > _left) throw Bad($"a {n}-byte value exceeds the {_left} bytes left");
        var b = new byte[n];
        try { _in.ReadExactly(b); }
        catch (EndOfStreamException) { throw Bad("ends before STOP"); }
        _left -= n;
        return b;
    }

    string Utf8(int n)
    {
        try { return new UTF8Encoding(false, true).GetString(Bytes(n)); }
        catch (DecoderFallbackException) { throw Bad("a string is not valid UTF-8"); }
    }

    string Latin1(int n) => Encoding.Latin1.GetString(Bytes(n));

    string Line()
    {
        var sb = new StringBuilder();
        while (true)
        {
            byte b = U8();
            if (b == (byte)'\n') return sb.ToString();
            if (sb.Length >= 256) throw Bad("an import name is longer than 256 characters");
            sb.Append((char)b);
        }
    }

    object Long(int n)
    {
        var b = Bytes(n);
        var big = new BigInteger(b, isUnsigned: false, isBigEndian: false);
        return big >= long.MinValue && big <= long.MaxValue ? (long)big : big;
    }

    static string Describe(object? v) => v switch
    {
        null => "None",
        PyGlobal g => $"'{g.FullName}'",
        object?[] t => $"a tuple of {t.Length}",
        _ => $"a {v.GetType().Name}",
    };

    InvalidDataException Bad(string reason) => new($"{_what}: not a PyTorch state_dict pickle: {reason}");
}
