namespace XRayHpc.Mpi;

/// <summary>Reduction operations; values are the shim's op codes.</summary>
public enum Op
{
    Sum = 0,
    Max = 1,
    Min = 2,
}
