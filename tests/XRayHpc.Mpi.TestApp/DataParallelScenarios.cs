namespace XRayHpc.Mpi.TestApp;

internal static class DataParallelScenarios
{
    public static bool TryRun(string scenario, Communicator world, string[] args) => false;
}
