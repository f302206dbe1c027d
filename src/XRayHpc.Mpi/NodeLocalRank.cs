namespace XRayHpc.Mpi;

/// <summary>
/// This rank's place on its node: <see cref="Rank"/> of <see cref="Size"/> ranks sharing the node, from an MPI
/// shared-memory split (the MPI's own view, valid under any launcher), cross-checked with the launcher's
/// local-rank variable. A disagreement means the launcher and the MPI library see different nodes (e.g. a
/// shim built for another MPI), and GPUs chosen by local rank would collide, so it is refused, naming both.
/// </summary>
public sealed record NodeLocalRank(int Rank, int Size)
{
    /// <summary>Launcher variables holding the node-local rank, checked in this order: OpenMPI's mpirun,
    /// MPICH/Hydra and Intel MPI, Slurm's srun.</summary>
    public static readonly string[] LauncherVariables = { "OMPI_COMM_WORLD_LOCAL_RANK", "MPI_LOCALRANKID", "SLURM_LOCALID" };

    /// <summary>Splits <paramref name="world"/> by node and cross-checks with the process environment.</summary>
    public static NodeLocalRank Of(Communicator world)
    {
        using var node = world.SplitShared();
        return Verify(node.Rank, node.Size, world.Rank, name => Environment.GetEnvironmentVariable(name));
    }

    /// <summary>The checked result for a split rank/size and an environment lookup (pure; unit-tested).</summary>
    public static NodeLocalRank Verify(int splitRank, int splitSize, int worldRank, Func<string, string?> env)
    {
        foreach (var name in LauncherVariables)
        {
            var value = env(name);
            if (string.IsNullOrEmpty(value)) continue;
            // A batch script's own SLURM_LOCALID=0 is inherited by ranks that mpirun starts: it describes
            // this process only when srun started it (then SLURM_PROCID is our world rank).
            if (name == "SLURM_LOCALID" && env("SLURM_PROCID") != worldRank.ToString()) continue;
            if (!int.TryParse(value, out var launcherRank) || launcherRank < 0)
                throw new MpiException($"rank {worldRank}: {name}='{value}' is not a node-local rank");
            if (launcherRank != splitRank)
                throw new MpiException($"rank {worldRank}: the MPI shared-memory split makes this node-local rank {splitRank} "
                    + $"of {splitSize}, but the launcher's {name}={launcherRank}; launcher and MPI library disagree about "
                    + "the node (launch with the mpirun/srun of the MPI the shim was built with)");
            break; // the first variable present is the launcher that started us
        }
        return new NodeLocalRank(splitRank, splitSize);
    }
}
