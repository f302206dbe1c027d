using System.Runtime.InteropServices;
using System.Text;

namespace XRayHpc.Mpi;

/// <summary>An MPI communicator, shaped like MPI.NET's. Every collective must be called by every rank of
/// the communicator in the same order. Errors surface as <see cref="MpiException"/> with MPI's text.</summary>
public sealed unsafe partial class Communicator : IDisposable
{
    private const int WorldHandle = 0;
    private static Communicator? _world;

    private int _handle;

    /// <summary>MPI_COMM_WORLD. Valid between `new MpiEnvironment()` and its Dispose.</summary>
    public static Communicator world =>
        _world ?? throw new InvalidOperationException("MPI is not initialised: create an MpiEnvironment first");

    public int Rank { get; }
    public int Size { get; }

    private Communicator(int handle)
    {
        _handle = handle;
        Native.Check(Native.xm_comm_rank(handle, out var rank), "MPI_Comm_rank");
        Native.Check(Native.xm_comm_size(handle, out var size), "MPI_Comm_size");
        Rank = rank;
        Size = size;
    }

    internal static Communicator CreateWorld() => _world = new Communicator(WorldHandle);
    internal static void ForgetWorld() => _world = null;

    private int Handle => _handle >= 0 ? _handle : throw new ObjectDisposedException(nameof(Communicator));

    /// <summary>MPI_Comm_split. Ranks with the same color form one new communicator, ordered by key
    /// (ties by rank here). A negative color (MPI_UNDEFINED) joins none and gets null.</summary>
    public Communicator? Split(int color, int key)
    {
        Native.Check(Native.xm_comm_split(Handle, color, key, out var h), $"MPI_Comm_split(color={color}, key={key})");
        return h < 0 ? null : new Communicator(h);
    }

    // ---- reductions -------------------------------------------------------------------------------

    /// <summary>In-place allreduce; T is float, double, int or long.</summary>
    public void Allreduce<T>(Span<T> buffer, Op op) where T : unmanaged
    {
        fixed (T* p = buffer)
            Native.Check(Native.xm_allreduce(Handle, p, buffer.Length, Native.TypeCode<T>(), (int)op),
                $"MPI_Allreduce({typeof(T).Name}[{buffer.Length}], {op})");
    }

    public void Allreduce(Span<float> buffer, Op op) => Allreduce<float>(buffer, op);
    public void Allreduce(Span<double> buffer, Op op) => Allreduce<double>(buffer, op);
    public void Allreduce(Span<int> buffer, Op op) => Allreduce<int>(buffer, op);
    public void Allreduce(Span<long> buffer, Op op) => Allreduce<long>(buffer, op);

    /// <summary>In-place allreduce of native memory (count elements of T).</summary>
    public void Allreduce<T>(IntPtr buffer, long count, Op op) where T : unmanaged =>
        Native.Check(Native.xm_allreduce(Handle, (void*)buffer, count, Native.TypeCode<T>(), (int)op),
            $"MPI_Allreduce({typeof(T).Name}[{count}], {op})");

    /// <summary>Scalar allreduce (MPI.NET's `Allreduce(value, op)`).</summary>
    public T Allreduce<T>(T value, Op op) where T : unmanaged
    {
        Span<T> one = stackalloc T[1];
        one[0] = value;
        Allreduce(one, op);
        return one[0];
    }

    /// <summary>True on every rank when any rank passed true: how asynchronously raised stop flags
    /// (signal handlers) become one decision all ranks act on in the same step.</summary>
    public bool Any(bool flag) => Allreduce(flag ? 1 : 0, Op.Max) != 0;

    /// <summary>Nonblocking in-place allreduce of a managed array region; the memory stays pinned
    /// until the request completes.</summary>
    public Request Iallreduce<T>(Memory<T> buffer, Op op) where T : unmanaged
    {
        var pin = buffer.Pin();
        var rc = Native.xm_iallreduce(Handle, pin.Pointer, buffer.Length, Native.TypeCode<T>(), (int)op, out var req);
        if (rc != 0) { pin.Dispose(); Native.Check(rc, $"MPI_Iallreduce({typeof(T).Name}[{buffer.Length}], {op})"); }
        return new Request(req, pin, "MPI_Iallreduce");
    }

    public Request Iallreduce<T>(T[] buffer, Op op) where T : unmanaged => Iallreduce(buffer.AsMemory(), op);

    /// <summary>Nonblocking in-place allreduce of native memory the caller keeps alive until Wait.</summary>
    public Request Iallreduce<T>(IntPtr buffer, long count, Op op) where T : unmanaged
    {
        Native.Check(Native.xm_iallreduce(Handle, (void*)buffer, count, Native.TypeCode<T>(), (int)op, out var req),
            $"MPI_Iallreduce({typeof(T).Name}[{count}], {op})");
        return new Request(req, default, "MPI_Iallreduce");
    }

    // ---- broadcast --------------------------------------------------------------------------------

    /// <summary>Broadcast in place: every rank passes a buffer of the same length.</summary>
    public void Bcast<T>(Span<T> buffer, int root) where T : unmanaged
    {
        var bytes = MemoryMarshal.AsBytes(buffer);
        fixed (byte* p = bytes)
            Native.Check(Native.xm_bcast(Handle, p, bytes.Length, Native.Byte, root),
                $"MPI_Bcast({typeof(T).Name}[{buffer.Length}], root={root})");
    }

    public void Bcast(byte[] buffer, int root) => Bcast<byte>(buffer.AsSpan(), root);

    /// <summary>Broadcast of native memory (bytes long).</summary>
    public void Bcast(IntPtr buffer, long bytes, int root) =>
        Native.Check(Native.xm_bcast(Handle, (void*)buffer, bytes, Native.Byte, root), $"MPI_Bcast({bytes} bytes, root={root})");

    /// <summary>Broadcast of an array whose length only the root knows; returns root's array on every rank.</summary>
    public T[] BcastArray<T>(T[]? rootData, int root) where T : unmanaged
    {
        long length = Rank == root
            ? (rootData ?? throw new ArgumentNullException(nameof(rootData), "the root must pass the data")).Length
            : 0;
        Bcast(MemoryMarshal.CreateSpan(ref length, 1), root);
        var result = Rank == root ? rootData! : new T[length];
        Bcast<T>(result, root);
        return result;
    }

    public string BcastString(string? rootValue, int root) =>
        Encoding.UTF8.GetString(BcastArray(Rank == root ? Encoding.UTF8.GetBytes(rootValue ?? "") : null, root));

    // ---- gather -----------------------------------------------------------------------------------

    /// <summary>Every rank's value, indexed by rank.</summary>
    public T[] Allgather<T>(T value) where T : unmanaged
    {
        var result = new T[Size];
        fixed (T* r = result)
            Native.Check(Native.xm_allgather(Handle, &value, sizeof(T), r), $"MPI_Allgather({typeof(T).Name})");
        return result;
    }

    /// <summary>Variable-length allgather: every rank contributes any number of elements (zero too);
    /// returns one array per rank, indexed by rank.</summary>
    public T[][] Allgatherv<T>(ReadOnlySpan<T> local) where T : unmanaged
    {
        var counts = Allgather(local.Length);
        var byteCounts = new int[Size];
        var displs = new int[Size];
        long total = 0;
        for (var i = 0; i < Size; i++)
        {
            displs[i] = checked((int)total);
            byteCounts[i] = checked(counts[i] * sizeof(T));
            total += byteCounts[i];
        }
        var all = new byte[checked((int)total)];
        var localBytes = MemoryMarshal.AsBytes(local);
        fixed (byte* s = localBytes)
        fixed (byte* r = all)
        fixed (int* c = byteCounts)
        fixed (int* d = displs)
            Native.Check(Native.xm_allgatherv(Handle, s, localBytes.Length, r, c, d), $"MPI_Allgatherv({typeof(T).Name})");
        var result = new T[Size][];
        for (var i = 0; i < Size; i++)
            result[i] = MemoryMarshal.Cast<byte, T>(all.AsSpan(displs[i], byteCounts[i])).ToArray();
        return result;
    }

    // ---- control ----------------------------------------------------------------------------------

    public void Barrier() => Native.Check(Native.xm_barrier(Handle), "MPI_Barrier");

    /// <summary>Prints the message (with this rank) to stderr, then MPI_Abort: the launcher ends every
    /// rank of the job, so none stays blocked in a collective. Does not return.</summary>
    public void Abort(int code, string message)
    {
        try
        {
            Console.Out.Flush();
            Console.Error.WriteLine($"[xrayhpc] rank {_world?.Rank.ToString() ?? "?"} of {_world?.Size.ToString() ?? "?"} aborting the MPI job (code {code}): {message}");
            Console.Error.Flush();
        }
        catch (Exception)
        {
            // Nothing left to report to: aborting matters more than the message.
        }
        Native.xm_abort(_handle >= 0 ? _handle : WorldHandle, code);
        Environment.Exit(code == 0 ? 1 : code); // only reached if MPI_Abort itself failed
    }

    public static double Wtime() => Native.xm_wtime();

    public void Dispose()
    {
        if (_handle <= WorldHandle) return; // the world belongs to MpiEnvironment
        if (Native.xm_finalized() == 0) Native.xm_comm_free(_handle);
        _handle = -1;
    }
}
