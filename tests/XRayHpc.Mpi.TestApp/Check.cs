namespace XRayHpc.Mpi.TestApp;

/// <summary>Assertions for code running inside mpirun: a failure throws, RunGuarded aborts the job and
/// the xunit test sees a non-zero exit with this message.</summary>
internal static class Check
{
    public static void That(bool condition, string what)
    {
        if (!condition) throw new InvalidOperationException($"check failed on rank {Communicator.world.Rank}: {what}");
    }

    public static void Equal<T>(T expected, T actual, string what)
    {
        if (!EqualityComparer<T>.Default.Equals(expected, actual))
            throw new InvalidOperationException($"check failed on rank {Communicator.world.Rank}: {what}: expected {expected}, got {actual}");
    }

    public static void Equal<T>(ReadOnlySpan<T> expected, ReadOnlySpan<T> actual, string what)
    {
        Equal(expected.Length, actual.Length, what + " (length)");
        for (var i = 0; i < expected.Length; i++)
            if (!EqualityComparer<T>.Default.Equals(expected[i], actual[i]))
                throw new InvalidOperationException(
                    $"check failed on rank {Communicator.world.Rank}: {what}[{i}]: expected {expected[i]}, got {actual[i]}");
    }

    public static void Throws<TException>(Action action, string mustContain, string what) where TException : Exception
    {
        try
        {
            action();
        }
        catch (TException e)
        {
            That(e.Message.Contains(mustContain, StringComparison.OrdinalIgnoreCase), $"{what}: message '{e.Message}' lacks '{mustContain}'");
            return;
        }
        throw new InvalidOperationException($"check failed on rank {Communicator.world.Rank}: {what}: no {typeof(TException).Name}");
    }
}
