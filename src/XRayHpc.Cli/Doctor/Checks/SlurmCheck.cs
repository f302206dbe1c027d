using XRayHpc.Cli.Doctor.Facts;
using XRayHpc.Mpi;

namespace XRayHpc.Cli.Doctor.Checks;

/// <summary>Slurm: the job this process runs in (job id, tasks, CPUs per task, local rank) and the per-rank thread plan.</summary>
public static class SlurmCheck
{
    public static CheckResult Job(Func<string, string?> env)
    {
        var job = env("SLURM_JOB_ID");
        if (string.IsNullOrEmpty(job)) return CheckResult.Ok("Slurm", "not in a Slurm job");
        var tasks = env("SLURM_NTASKS") ?? "1";
        var cpus = env("SLURM_CPUS_PER_TASK");
        var value = $"job {job}, {tasks} task(s) on {env("SLURM_JOB_NUM_NODES") ?? "?"} node(s) ({env("SLURM_JOB_NODELIST") ?? "?"}), " +
                    $"cpus per task {cpus ?? "unset"}, task {env("SLURM_PROCID") ?? "- (batch script, no srun step)"}, local rank {env("SLURM_LOCALID") ?? "-"}";
        if (cpus is null && int.TryParse(tasks, out var n) && n > 1)
            return CheckResult.Warn("Slurm", value,
                "add `#SBATCH --cpus-per-task=C`: without it each rank guesses its threads as cores / local ranks, and Slurm may bind several ranks to the same cores");
        return CheckResult.Ok("Slurm", value);
    }

    public static CheckResult Threads(ThreadPlan p)
    {
        string omp = p.OmpNumThreads is { } o && o != p.Threads.ToString() ? $"; OMP_NUM_THREADS={o} is overridden" : "";
        // A launcher that binds ranks (mpirun's default for few ranks, srun --cpu-bind) gives each rank its own CPUs:
        // then the rank's threads must fit its binding; unbound, all ranks' threads share the node.
        bool bound = p.Cores < p.NodeCpus;
        string where = bound ? $"this rank is bound to {p.Cores} of the node's {p.NodeCpus} CPU(s)" : $"{p.Cores} CPU(s) on the node";
        string value = $"{p.Threads} torch thread(s) per rank ({p.Source}) x {p.LocalRanks} rank(s) on this node; {where}{omp}";
        if (bound ? p.Threads > p.Cores : (long)p.Threads * p.LocalRanks > p.Cores)
            return CheckResult.Warn("thread plan", value + ": oversubscribed",
                "set run.threads (or --cpus-per-task) so each rank's threads fit its CPUs (mpirun --bind-to none, or --map-by slot:PE=T, to give a rank T cores); oversubscribed OpenMP threads spin and wait on each other");
        return CheckResult.Ok("thread plan", value);
    }

    /// <summary>Ranks on this node as the launcher announced them (the same variables Trainer.ThreadCount divides by).</summary>
    public static int LocalRanks(Func<string, string?> env) => LaunchEnvironment.Read(env).LocalRanks;

    /// <summary>Counts a Linux CPU list such as "0-3,8,10-11" (7 CPUs).</summary>
    public static int CountCpuList(string list) =>
        list.Trim().Split(',', StringSplitOptions.RemoveEmptyEntries).Sum(part =>
        {
            var ends = part.Split('-');
            return ends.Length == 1 ? 1 : int.Parse(ends[1]) - int.Parse(ends[0]) + 1;
        });
}
