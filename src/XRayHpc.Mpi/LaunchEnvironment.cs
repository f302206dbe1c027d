namespace XRayHpc.Mpi;

/// <summary>
/// What the launcher (OpenMPI's mpirun, MPICH/Hydra or Intel MPI through PMI, a PMIx launcher, Slurm's srun)
/// announced in the environment: this process's rank, the world size, the ranks on this node, the CPUs per
/// task and the Slurm ids. The one place these variables are read; before MPI starts (config errors printed
/// once, preprocess's rank log) they are all there is.
/// </summary>
public sealed record LaunchEnvironment
{
    /// <summary>World rank, in this order: OpenMPI, PMI (MPICH, Intel MPI), PMIx, srun.</summary>
    public static readonly string[] RankVariables = ["OMPI_COMM_WORLD_RANK", "PMI_RANK", "PMIX_RANK", "SLURM_PROCID"];
    /// <summary>Ranks on this node (SLURM_NTASKS_PER_NODE only when the job asked for a per-node count).</summary>
    public static readonly string[] LocalSizeVariables = ["OMPI_COMM_WORLD_LOCAL_SIZE", "MPI_LOCALNRANKS", "SLURM_NTASKS_PER_NODE"];
    /// <summary>World size set by an MPI launcher itself (not by Slurm's allocation).</summary>
    public static readonly string[] WorldSizeVariables = ["OMPI_COMM_WORLD_SIZE", "PMI_SIZE", "PMIX_SIZE"];

    /// <summary>This process's world rank as the launcher announced it; null without a launcher.</summary>
    public int? Rank { get; init; }
    /// <summary>(variable, size) of the launcher's world size; null without a launcher (a singleton is legitimate).</summary>
    public (string Variable, int Size)? World { get; init; }
    /// <summary>An MPI launcher (not only Slurm) started this process: one of <see cref="WorldSizeVariables"/> is set.</summary>
    public bool UnderMpiLauncher { get; init; }
    /// <summary>Ranks on this node (1 when no launcher says).</summary>
    public int LocalRanks { get; init; } = 1;
    /// <summary>SLURM_CPUS_PER_TASK when set and positive.</summary>
    public int? CpusPerTask { get; init; }
    public string? SlurmJobId { get; init; }
    public string? SlurmStepId { get; init; }
    /// <summary>SLURMD_NODENAME (the node Slurm placed this task on); null outside Slurm.</summary>
    public string? Node { get; init; }

    public bool IsRank0 => Rank is null or 0;

    public static LaunchEnvironment Current => Read(Environment.GetEnvironmentVariable);

    public static LaunchEnvironment Read(Func<string, string?> env) => new()
    {
        Rank = RankVariables.Select(env).FirstOrDefault(v => v != null) is { } r && int.TryParse(r.Trim(), out var rank) ? rank : null,
        World = WorldOf(env),
        UnderMpiLauncher = WorldSizeVariables.Any(v => !string.IsNullOrEmpty(env(v))),
        LocalRanks = LocalSizeVariables.Select(env).Select(v => Positive(v) ?? 0).FirstOrDefault(n => n > 0, 1),
        CpusPerTask = Positive(env("SLURM_CPUS_PER_TASK")),
        SlurmJobId = env("SLURM_JOB_ID"),
        SlurmStepId = env("SLURM_STEP_ID"),
        Node = env("SLURMD_NODENAME"),
    };

    /// <summary>Torch/decode threads for one rank when the config does not say: CPUs per task, else this node's cores shared by its ranks.</summary>
    public int ThreadsPerRank(int processorCount) => CpusPerTask ?? Math.Max(1, processorCount / LocalRanks);

    static (string Variable, int Size)? WorldOf(Func<string, string?> env)
    {
        // OpenMPI's mpirun, then MPICH/Hydra and Intel MPI (PMI), then PMIx launchers, then srun. Only
        // SLURM_STEP_NUM_TASKS speaks for srun: SLURM_NTASKS (the allocation's tasks) and SLURM_PROCID=0 are
        // also set in the batch script itself, outside any step, where a singleton run is legitimate (a bare
        // `xrayhpc doctor` or `preprocess` in an sbatch script with --ntasks=2 is one process, not a mismatch).
        foreach (var name in WorldSizeVariables)
            if (Positive(env(name)) is { } n) return (name, n);
        if (env("SLURM_PROCID") is not null && Positive(env("SLURM_STEP_NUM_TASKS")) is { } tasks)
            return ("SLURM_STEP_NUM_TASKS", tasks);
        return null;
    }

    static int? Positive(string? s) => !string.IsNullOrWhiteSpace(s) && int.TryParse(s.Trim(), out var n) && n > 0 ? n : null;
}
