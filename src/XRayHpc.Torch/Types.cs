namespace XRayHpc.Torch;

/// <summary>Element types. The numeric values are the shim's dtype codes (shim.h: to_scalar_type).</summary>
public enum ScalarType { Byte = 0, Int32 = 1, Int64 = 2, Float32 = 3, Float64 = 4, BFloat16 = 5, Float16 = 6, Bool = 7 }

public enum MemoryFormat { Contiguous = 0, ChannelsLast = 1 }

public enum DeviceType { CPU = 0, CUDA = 1 }

public readonly record struct Device(DeviceType type, int index = -1)
{
    public static readonly Device CPU = new(DeviceType.CPU);
    public static Device CUDA(int index = 0) => new(DeviceType.CUDA, index);
    public override string ToString() => type == DeviceType.CPU ? "cpu" : index < 0 ? "cuda" : $"cuda:{index}";
}

/// <summary>An error reported by libtorch (the message is libtorch's own, without its C++ backtrace).</summary>
public class TorchException : Exception
{
    public TorchException(string message) : base(message) { }
}

internal static class ScalarTypes
{
    internal static ScalarType Of<T>()
    {
        if (typeof(T) == typeof(float)) return ScalarType.Float32;
        if (typeof(T) == typeof(double)) return ScalarType.Float64;
        if (typeof(T) == typeof(int)) return ScalarType.Int32;
        if (typeof(T) == typeof(long)) return ScalarType.Int64;
        if (typeof(T) == typeof(byte)) return ScalarType.Byte;
        if (typeof(T) == typeof(bool)) return ScalarType.Bool;
        if (typeof(T) == typeof(Half)) return ScalarType.Float16;
        throw new NotSupportedException($"no tensor dtype for .NET type {typeof(T).Name}");
    }

    internal static int ElementSize(ScalarType t) => t switch
    {
        ScalarType.Byte or ScalarType.Bool => 1,
        ScalarType.BFloat16 or ScalarType.Float16 => 2,
        ScalarType.Int32 or ScalarType.Float32 => 4,
        _ => 8,
    };

    internal static bool IsFloating(ScalarType t) =>
        t is ScalarType.Float32 or ScalarType.Float64 or ScalarType.BFloat16 or ScalarType.Float16;
}
