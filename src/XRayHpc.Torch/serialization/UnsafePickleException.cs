namespace XRayHpc.Torch.serialization;

/// <summary>
/// A .pth pickle asked for something a state_dict never needs (an import outside the allowlist, a call to
/// anything but a tensor rebuild or an OrderedDict, an object-construction opcode). Nothing from the file
/// was executed: the reader interprets the opcodes itself and stops at the first one it does not allow.
/// </summary>
public sealed class UnsafePickleException : Exception
{
    public UnsafePickleException(string message) : base(message) { }
}
