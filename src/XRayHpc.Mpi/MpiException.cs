namespace XRayHpc.Mpi;

/// <summary>An MPI call returned an error (MPI_ERRORS_RETURN is installed on every communicator).
/// The message carries the MPI library's own error string.</summary>
public sealed class MpiException : Exception
{
    public int ErrorCode { get; }
    public string Operation { get; }

    public MpiException(int errorCode, string operation, string mpiMessage)
        : base($"{operation} failed: {mpiMessage} (MPI error {errorCode})")
    {
        ErrorCode = errorCode;
        Operation = operation;
    }

    public MpiException(string message) : base(message)
    {
        Operation = "";
    }
}
