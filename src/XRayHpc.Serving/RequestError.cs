namespace XRayHpc.Serving;

/// <summary>A request the server refuses, with the HTTP status and a message safe to send back (no image content, no patient data).</summary>
public sealed class RequestError(int status, string message) : Exception(message)
{
    public int Status { get; } = status;
}
