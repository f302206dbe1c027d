using System.Runtime.InteropServices;

namespace XRayHpc.Torch;

// GPU data movement (src/native/torch/cuda.cpp): pinned host memory and copies that do not block the host.
public partial class Tensor
{
    /// <summary>A page-locked copy of this CPU tensor, so a later <see cref="to_async"/> to a GPU overlaps with
    /// host work. Needs the CUDA build of the shim (a TorchException otherwise).</summary>
    public Tensor pin_memory() => Wrap(CudaNative.xt_pin_memory(handle));

    public bool is_pinned() => CudaNative.xt_is_pinned(handle) == 1;

    /// <summary>`tensor.to(device, non_blocking=True)`: asynchronous from pinned memory to a GPU (and back into
    /// pinned memory); a plain synchronous copy otherwise. Read the result on the host only after
    /// <see cref="torch.cuda.synchronize"/> (or an operation that synchronises, like item()).</summary>
    public Tensor to_async(Device device) => Wrap(CudaNative.xt_to_device_async(handle, (int)device.type, device.index));

    /// <summary>`copy_(src, non_blocking=True)`; same rules as <see cref="to_async"/>.</summary>
    public Tensor copy_async_(Tensor src)
    {
        Native.Check(CudaNative.xt_copy_async(handle, src.handle));
        return this;
    }

    /// <summary>`torch.as_strided`: a view of this tensor's storage with the given sizes, strides and offset.</summary>
    public unsafe Tensor as_strided(long[] sizes, long[] strides, long offset)
    {
        if (sizes.Length != strides.Length) throw new ArgumentException("as_strided: sizes and strides differ in length");
        fixed (long* s = sizes, st = strides)
            return Wrap(CudaNative.xt_as_strided(handle, s, st, sizes.Length, offset));
    }

    internal static unsafe class CudaNative
    {
        [DllImport(Native.Lib)] internal static extern IntPtr xt_pin_memory(TensorHandle a);
        [DllImport(Native.Lib)] internal static extern int xt_is_pinned(TensorHandle a);
        [DllImport(Native.Lib)] internal static extern IntPtr xt_to_device_async(TensorHandle a, int devType, int devIndex);
        [DllImport(Native.Lib)] internal static extern int xt_copy_async(TensorHandle dst, TensorHandle src);
        [DllImport(Native.Lib)] internal static extern int xt_cuda_set_device(int index);
        [DllImport(Native.Lib)] internal static extern int xt_cuda_synchronize();
        [DllImport(Native.Lib)] internal static extern IntPtr xt_as_strided(TensorHandle a, long* sizes, long* strides, int ndim, long offset);
    }
}
