using System.Reflection;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace XRayHpc.Mpi;

/// <summary>P/Invoke surface of libxrayhpc_mpi (src/native/mpi/xrayhpc_mpi.c). Only ints, longs,
/// doubles and pointers cross; communicators and requests are table indices inside the shim.</summary>
internal static unsafe class Native
{
    internal const string Lib = "xrayhpc_mpi";

    /// <summary>Set to a full path to load a shim built against another MPI (tests/mpich-smoke.sh
    /// points it at the MPICH build) instead of the copy next to the assemblies.</summary>
    internal const string LibraryOverrideVariable = "XRAYHPC_MPI_LIB";

    // Type and op codes mirror the enums at the top of xrayhpc_mpi.c.
    internal const int Float = 0, Double = 1, Int32 = 2, Int64 = 3, Byte = 4;

#pragma warning disable CA2255 // a module initializer is the one place that runs before any P/Invoke binds
    [ModuleInitializer]
#pragma warning restore CA2255
    internal static void InstallResolver() =>
        NativeLibrary.SetDllImportResolver(typeof(Native).Assembly, Resolve);

    private static IntPtr Resolve(string name, Assembly assembly, DllImportSearchPath? path)
    {
        if (name != Lib) return IntPtr.Zero;
        var overridePath = Environment.GetEnvironmentVariable(LibraryOverrideVariable);
        if (!string.IsNullOrEmpty(overridePath))
        {
            if (!File.Exists(overridePath))
                throw new DllNotFoundException($"{LibraryOverrideVariable}={overridePath}: no such file");
            return NativeLibrary.Load(overridePath);
        }
        var besideUs = Path.Combine(AppContext.BaseDirectory, "libxrayhpc_mpi.so");
        return File.Exists(besideUs) ? NativeLibrary.Load(besideUs) : IntPtr.Zero; // IntPtr.Zero: default probing
    }

    [DllImport(Lib)] internal static extern int xm_init(int required, out int provided);
    [DllImport(Lib)] internal static extern int xm_thread_level_code(int which);
    [DllImport(Lib)] internal static extern int xm_initialized();
    [DllImport(Lib)] internal static extern int xm_finalized();
    [DllImport(Lib)] internal static extern int xm_finalize();
    [DllImport(Lib)] internal static extern int xm_comm_rank(int comm, out int rank);
    [DllImport(Lib)] internal static extern int xm_comm_size(int comm, out int size);
    [DllImport(Lib)] internal static extern int xm_comm_split(int comm, int color, int key, out int newComm);
    [DllImport(Lib)] internal static extern int xm_comm_free(int comm);
    [DllImport(Lib)] internal static extern int xm_allreduce(int comm, void* buf, long count, int type, int op);
    [DllImport(Lib)] internal static extern int xm_iallreduce(int comm, void* buf, long count, int type, int op, out int request);
    [DllImport(Lib)] internal static extern int xm_wait(int request);
    [DllImport(Lib)] internal static extern int xm_test(int request, out int done);
    [DllImport(Lib)] internal static extern int xm_bcast(int comm, void* buf, long count, int type, int root);
    [DllImport(Lib)] internal static extern int xm_allgather(int comm, void* send, int bytes, void* recv);
    [DllImport(Lib)] internal static extern int xm_allgatherv(int comm, void* send, int bytes, void* recv, int* counts, int* displs);
    [DllImport(Lib)] internal static extern int xm_barrier(int comm);
    [DllImport(Lib)] internal static extern int xm_abort(int comm, int code);
    [DllImport(Lib)] internal static extern double xm_wtime();
    [DllImport(Lib)] internal static extern void xm_error_string(int code, byte* buf, int len);
    [DllImport(Lib)] internal static extern void xm_library_version(byte* buf, int len);
    [DllImport(Lib)] internal static extern int xm_processor_name(byte* buf, int len);
    [DllImport(Lib)] internal static extern int xm_alloc_buffer(long bytes, out IntPtr ptr);
    [DllImport(Lib)] internal static extern void xm_free_buffer(IntPtr ptr);
    [DllImport(Lib)] internal static extern int xm_setenv([MarshalAs(UnmanagedType.LPUTF8Str)] string name,
        [MarshalAs(UnmanagedType.LPUTF8Str)] string value, int overwrite);

    internal static string ErrorString(int code)
    {
        var buf = stackalloc byte[1024];
        xm_error_string(code, buf, 1024);
        return Marshal.PtrToStringUTF8((IntPtr)buf) ?? $"MPI error {code}";
    }

    internal static string LibraryVersion()
    {
        var buf = stackalloc byte[8192];
        xm_library_version(buf, 8192);
        return (Marshal.PtrToStringUTF8((IntPtr)buf) ?? "").Trim();
    }

    internal static string ProcessorName()
    {
        var buf = stackalloc byte[512];
        xm_processor_name(buf, 512);
        return Marshal.PtrToStringUTF8((IntPtr)buf) ?? "";
    }

    internal static void Check(int rc, string operation)
    {
        if (rc == 0) return;
        if (rc is CollectiveWatch.TimeoutCode or CollectiveWatch.MismatchCode) CollectiveWatch.Abort(ErrorString(rc));
        throw new MpiException(rc, operation, ErrorString(rc));
    }

    /// <summary>The shim's type code for T; only the four types MPI reductions are used with here.</summary>
    internal static int TypeCode<T>() where T : unmanaged
    {
        if (typeof(T) == typeof(float)) return Float;
        if (typeof(T) == typeof(double)) return Double;
        if (typeof(T) == typeof(int)) return Int32;
        if (typeof(T) == typeof(long)) return Int64;
        throw new NotSupportedException($"MPI reductions support float, double, int and long, not {typeof(T).Name}");
    }
}
