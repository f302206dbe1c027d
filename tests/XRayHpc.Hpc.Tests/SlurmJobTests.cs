using System.Text.Json;

namespace XRayHpc.Hpc.Tests;

/// <summary>
/// The job scripts in jobs/ submitted to a real single-node Slurm, running the real `xrayhpc train` on a
/// tiny synthetic set. Assertions are on what Slurm and the run folder say afterwards.
/// </summary>
[Collection("slurm")]
public sealed class SlurmJobTests(SlurmCluster slurm)
{
    static readonly TimeSpan JobTimeout = TimeSpan.FromMinutes(3);

    static JsonElement Summary(string runDir) =>
        JsonDocument.Parse(File.ReadAllText(Path.Combine(runDir, "summary.json"))).RootElement;

    static List<long> MetricSteps(string runDir) =>
        File.ReadAllLines(Path.Combine(runDir, "metrics.jsonl")).Where(l => l.Length > 0)
            .Select(l => JsonDocument.Parse(l).RootElement.GetProperty("step").GetInt64()).ToList();

    [SlurmFact]
    public void One_node_job_trains_on_two_ranks_under_mpirun()
    {
        // progress: auto, as a researcher's experiment file has it; ranks see mpirun's pseudo-terminal.
        var id = slurm.Submit(["--ntasks=2", "--cpus-per-task=1"], "train-1node.sbatch", slurm.Experiment, "--set", "logging.progress=auto");
        var job = slurm.WaitFinished(id, JobTimeout);
        var run = slurm.RunDir(id);
        var log = slurm.JobLog(id);
        Assert.True(job is { State: "COMPLETED", ExitCode: "0:0" }, $"{job.Raw}\n{log}");
        Assert.Contains("launcher: mpirun -np 2", log);
        // The job log gets plain progress lines, not a live table redrawn with cursor movements.
        Assert.Contains(log.Split('\n'), l => l.StartsWith("epoch ") && l.Contains(" step 4/4 "));
        Assert.DoesNotMatch(@"\x1b\[\d*A", log);
        Assert.Equal(2, Summary(run).GetProperty("ranks").GetInt32());
        Assert.Equal(1, Summary(run).GetProperty("threads").GetInt32()); // from SLURM_CPUS_PER_TASK
        Assert.Equal([4L], MetricSteps(run));
        Assert.True(File.Exists(Path.Combine(run, "logs", "rank-1.log")));
        Assert.True(File.Exists(Path.Combine(run, "predictions.csv")));
    }

    [SlurmFact]
    public void Multinode_script_launches_ranks_with_srun_pmix()
    {
        // One node here, so the multi-node script runs with --nodes=1; the launcher path is what is tested.
        var id = slurm.Submit(["--nodes=1", "--ntasks-per-node=2"], "train-multinode.sbatch", slurm.Experiment);
        var job = slurm.WaitFinished(id, JobTimeout);
        Assert.True(job is { State: "COMPLETED", ExitCode: "0:0" }, $"{job.Raw}\n{slurm.JobLog(id)}");
        Assert.Contains("launcher: srun --mpi=pmix --ntasks=2", slurm.JobLog(id));
        // Both ranks joined one MPI world (under a wrong PMI they would be two single-rank worlds).
        Assert.Equal(2, Summary(slurm.RunDir(id)).GetProperty("ranks").GetInt32());
    }

    [SlurmFact]
    public void Array_sweep_gives_each_task_its_own_overrides_and_run_folder()
    {
        var id = slurm.Submit(["--array=0-1"], "sweep-array.sbatch", slurm.Experiment, "optimizer.lr=0.002", "optimizer.lr=0.0005 schedule.max_steps=2 tuner.ready_steps=2");
        foreach (var task in new[] { 0, 1 })
        {
            var job = slurm.WaitFinished($"{id}_{task}", JobTimeout);
            Assert.True(job is { State: "COMPLETED", ExitCode: "0:0" }, $"{job.Raw}\n{slurm.JobLog($"{id}_{task}")}");
        }
        var run0 = slurm.RunDir($"{id}_0");
        var run1 = slurm.RunDir($"{id}_1");
        Assert.Equal(0.002, Summary(run0).GetProperty("hyperparameters").GetProperty("lr").GetDouble());
        Assert.Equal(0.0005, Summary(run1).GetProperty("hyperparameters").GetProperty("lr").GetDouble());
        Assert.Equal([4L], MetricSteps(run0));
        Assert.Equal([2L], MetricSteps(run1));
        Assert.Equal("optimizer.lr=0.0005 schedule.max_steps=2 tuner.ready_steps=2", File.ReadAllText(Path.Combine(run1, "sweep.txt")).Trim());
    }

    [SlurmFact]
    public void Preempted_job_checkpoints_on_USR1_is_requeued_and_finishes_from_its_checkpoint()
    {
        // Long enough (8 evaluations, each with a checkpoint) that the signal lands mid-run on a fast idle machine too.
        const long steps = 24;
        var id = slurm.Submit(["--ntasks=2"], "train-preemptible.sbatch", slurm.Experiment,
            "--set", $"schedule.max_steps={steps}", "--set", "tuner.ready_steps=3");
        var run = slurm.RunDir(id);
        // Training is under way once the first evaluation is recorded; then pre-empt it the way Slurm does
        // before the time limit (B: = the batch shell, which forwards to mpirun and on to the ranks).
        var deadline = DateTime.UtcNow + JobTimeout;
        while (!(File.Exists(Path.Combine(run, "metrics.jsonl")) && MetricSteps(run).Count > 0))
        {
            Assert.True(DateTime.UtcNow < deadline, "no evaluation recorded: " + slurm.JobLog(id));
            Assert.NotEqual("FAILED", slurm.Job(id).State);
            Thread.Sleep(200);
        }
        var signal = slurm.Client("scancel", "--batch", "--signal=USR1", id);
        Assert.True(signal.ExitCode == 0, signal.Output);

        // A requeued job goes RUNNING -> PENDING (Restarts=1) -> RUNNING, so its first final state is the end of the second run.
        var job = slurm.WaitFinished(id, TimeSpan.FromMinutes(4));
        var log = slurm.JobLog(id);
        Assert.True(job is { State: "COMPLETED", ExitCode: "0:0", Restarts: 1 }, $"{job.Raw}\n{log}");
        Assert.Contains("received USR1: forwarding to the launcher", log);
        Assert.Contains("launcher exited with 75", log);
        Assert.Contains($"checkpointed for requeue: scontrol requeue {id}", log);
        Assert.Contains("start (restart 1)", log);
        Assert.Contains("resuming from checkpoint", log);
        Assert.Contains("resumed member 0 from", File.ReadAllText(Path.Combine(run, "logs", "rank-0.log")));
        // The two runs read as one: every evaluation once, in order, up to the last step.
        var evals = MetricSteps(run);
        Assert.Equal(evals.Order().Distinct(), evals);
        Assert.Equal(steps, evals[^1]);
    }

    [SlurmFact]
    public void Scaling_job_benchmarks_inside_its_allocation_and_writes_the_table_under_its_job_id()
    {
        var id = slurm.Submit(["--ntasks=2"], "scaling.sbatch", "--ranks", "1,2", "--modes", "strong", "--batch", "2", "--size", "32",
            "--steps", "1", "--warmup", "0", "--repeats", "1", "--precision", "fp32");
        var job = slurm.WaitFinished(id, JobTimeout);
        Assert.True(job is { State: "COMPLETED", ExitCode: "0:0" }, $"{job.Raw}\n{slurm.JobLog(id)}");
        var csv = File.ReadAllLines(Path.Combine(slurm.RunDir(id), "scaling.csv"));
        Assert.Equal(["1", "2"], csv.Skip(1).Select(l => l.Split(',')[1]));
        Assert.True(File.Exists(Path.Combine(slurm.RunDir(id), "scaling.svg")));
    }

    [SlurmFact]
    public void Failing_launch_marks_the_job_failed_with_the_programs_exit_code()
    {
        // An invalid config makes `xrayhpc train` exit 2 before MPI starts; the job must not show COMPLETED.
        var id = slurm.Submit(["--ntasks=1"], "train-1node.sbatch", slurm.Experiment, "--set", "model.name=resnet1000");
        var job = slurm.WaitFinished(id, JobTimeout);
        Assert.True(job is { State: "FAILED", ExitCode: "2:0" }, $"{job.Raw}\n{slurm.JobLog(id)}");
        Assert.Contains("model.name", slurm.JobLog(id));
    }
}
