namespace XRayHpc.Cli.Doctor.Facts;

/// <summary>The torch threads a training rank on this node will use (Trainer.ThreadCount), and what it shares the node with.</summary>
/// <param name="Source">Which rule chose <see cref="Threads"/>: run.threads, SLURM_CPUS_PER_TASK or cores / local ranks.</param>
/// <param name="Cores">CPUs this process may run on (affinity and cgroup limits applied: mpirun binds each rank to its cores).</param>
/// <param name="NodeCpus">CPUs online on the node.</param>
/// <param name="OmpNumThreads">OMP_NUM_THREADS as set; the trainer overrides it with <see cref="Threads"/>.</param>
public sealed record ThreadPlan(int Threads, string Source, int LocalRanks, int Cores, int NodeCpus, string? OmpNumThreads);
