using System.Runtime.InteropServices;

namespace XRayHpc.Mpi;

// Node-level queries: which ranks share this node, and whether the MPI takes GPU pointers.
public sealed partial class Communicator
{
    /// <summary>MPI_Comm_split_type(MPI_COMM_TYPE_SHARED): the ranks on this node, in this communicator's
    /// order, so the new communicator's Rank is the node-local rank and its Size the ranks per node.</summary>
    public Communicator SplitShared()
    {
        Native.Check(NodeNative.xm_comm_split_shared(Handle, out var h), "MPI_Comm_split_type(MPI_COMM_TYPE_SHARED)");
        return new Communicator(h);
    }

    /// <summary>MPIX_Query_cuda_support at run time: true only when the loaded MPI library says it accepts CUDA
    /// device buffers (then gradient buckets skip the pinned host copy); false when it says no or cannot say.</summary>
    public static bool CudaAware => NodeNative.xm_query_cuda_support() == 1;

    private static class NodeNative
    {
        [DllImport(Native.Lib)] internal static extern int xm_comm_split_shared(int comm, out int newComm);
        [DllImport(Native.Lib)] internal static extern int xm_query_cuda_support();
    }
}
