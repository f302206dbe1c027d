using System.Numerics;

namespace XRayHpc.Torch.serialization;

// The only values the restricted unpickler can build. Python objects outside this set cannot be represented,
// so nothing else can be constructed, called or executed.

/// <summary>An allowlisted import (GLOBAL / STACK_GLOBAL): data, never called except by the machine's own rules.</summary>
internal sealed record PyGlobal(string Module, string Name)
{
    public string FullName => $"{Module}.{Name}";
}

/// <summary>A dict or OrderedDict in insertion order. Keys are compared by value only for strings and integers.</summary>
internal sealed class PyDict
{
    public readonly List<KeyValuePair<object?, object?>> Items = new();
    // Strings and integers (hashable by value) are indexed, so a hostile file with many keys stays linear.
    readonly Dictionary<object, int> _index = new();

    public void Set(object? key, object? value)
    {
        if (key is string or long or BigInteger)
        {
            if (_index.TryGetValue(key, out int i)) { Items[i] = new(key, value); return; }
            _index[key] = Items.Count;
        }
        Items.Add(new(key, value));
    }

    public object? Get(string key) => _index.TryGetValue(key, out int i) ? Items[i].Value : null;
}

/// <summary>The MARK opcode's stack sentinel.</summary>
internal sealed class PyMark
{
    public static readonly PyMark Instance = new();
}

/// <summary>A storage named by a persistent id: its element type, key and element count (data not read yet).</summary>
internal sealed record StorageRef(ScalarType Dtype, string Key, long Numel);

/// <summary>What torch._utils._rebuild_tensor_v2 would build: a strided view of a storage.</summary>
internal sealed record TensorRef(StorageRef Storage, long Offset, long[] Size, long[] Stride);
