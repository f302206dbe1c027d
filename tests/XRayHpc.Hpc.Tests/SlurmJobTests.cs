using System.Text.Json;

namespace XRayHpc.Hpc.Tests;

/// <summary>
/// The job scripts in jobs/ submitted to a real two-node Slurm (two slurmd on this host), running the real
/// `xrayhpc train` on a tiny synthetic set. Assertions are on what Slurm and the run folder say afterwards.
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
        // OpenMPI (the mpirun on PATH): each rank on a core of its own, bound.
        Assert.Contains("launcher: mpirun -np 2 --map-by slot:PE=1 --bind-to core", log);
        // The job log gets plain progress lines, not a live table redrawn with cursor movements.
        Assert.Contains(log.Split('\n'), l => l.StartsWith("epoch ") && l.Contains(" step 4/4 "));
        Assert.DoesNotMatch(@"\x1b\[\d*A", log);
        Assert.Equal(2, Summary(run).GetProperty("ranks").GetInt32());
        Assert.Equal([4L], MetricSteps(run));
        Assert.True(File.Exists(Path.Combine(run, "logs", "rank-1.log")));
        Assert.True(File.Exists(Path.Combine(run, "predictions.csv")));
    }

    [SlurmFact]
    public void Multinode_script_spans_two_nodes_with_srun_pmix_and_the_allocations_threads()
    {
        // One rank on each of the two nodes, 2 CPUs per task (the script's own default is 1 thread).
        var id = slurm.Submit(["--nodes=2", "--ntasks-per-node=1", "--cpus-per-task=2"], "train-multinode.sbatch", slurm.Experiment);
        var job = slurm.WaitFinished(id, JobTimeout);
        var log = slurm.JobLog(id);
        Assert.True(job is { State: "COMPLETED", ExitCode: "0:0" }, $"{job.Raw}\n{log}");
        Assert.Contains("NumNodes=2 ", job.Raw);
        Assert.Contains("launcher: srun --mpi=pmix --ntasks=2 --cpus-per-task=2 --cpu-bind=cores", log);
        // The step was launched by both slurmd: its ranks ran on both nodes...
        foreach (var node in new[] { SlurmCluster.FirstNode, SlurmCluster.SecondNode })
            Assert.Contains($"launch task StepId={id}.0 ", slurm.SlurmdLog(node));
        // ...and joined one MPI world through PMIx (under a wrong PMI they would be two single-rank worlds).
        var summary = Summary(slurm.RunDir(id));
        Assert.Equal(2, summary.GetProperty("ranks").GetInt32());
        Assert.Equal(2, summary.GetProperty("threads").GetInt32()); // from SLURM_CPUS_PER_TASK=2
    }

    [SlurmFact]
    public void Array_1_to_3_runs_exactly_the_three_override_lines_submitted_from_outside_the_checkout()
    {
        // One line per task; a value with spaces stays one value. Blank and comment lines do not count.
        var overrides = Path.Combine(slurm.WorkDir, "sweep-overrides.txt");
        File.WriteAllLines(overrides, [
            "# lr sweep", "optimizer.lr=0.002", "",
            "optimizer.lr=0.0005 schedule.max_steps=2 tuner.ready_steps=2",
            "optimizer.lr=0.001 run.name=sweep with spaces",
        ]);
        // As a user would: no XRAYHPC_ROOT, no XRAYHPC_RUNS; the script is found through Slurm, the runs
        // go to <submit dir>/runs.
        var id = slurm.Submit(slurm.PlainClientEnv, ["--array=1-3"], "sweep-array.sbatch", slurm.Experiment, overrides);
        var expected = new[] { (Task: 1, Lr: 0.002, Steps: 4L), (Task: 2, Lr: 0.0005, Steps: 2L), (Task: 3, Lr: 0.001, Steps: 4L) };
        foreach (var (task, _, _) in expected)
        {
            var job = slurm.WaitFinished($"{id}_{task}", JobTimeout);
            Assert.True(job is { State: "COMPLETED", ExitCode: "0:0" }, $"{job.Raw}\n{slurm.JobLog($"{id}_{task}")}");
        }
        Assert.Equal(expected.Select(e => $"{id}_{e.Task}"), Directory.GetDirectories(slurm.RunsDir, $"{id}_*").Select(Path.GetFileName).Order());
        foreach (var (task, lr, steps) in expected)
        {
            var run = slurm.RunDir($"{id}_{task}");
            Assert.Equal(lr, Summary(run).GetProperty("hyperparameters").GetProperty("lr").GetDouble());
            Assert.Equal([steps], MetricSteps(run));
        }
        Assert.Equal("optimizer.lr=0.0005 schedule.max_steps=2 tuner.ready_steps=2", File.ReadAllText(Path.Combine(slurm.RunDir($"{id}_2"), "sweep.txt")).Trim());
        Assert.Contains("sweep with spaces", File.ReadAllText(Path.Combine(slurm.RunDir($"{id}_3"), "config.resolved.yaml")));
    }

    /// <summary>USR1 is what `--signal=B:USR1@N` sends; TERM and INT to the batch shell (`scancel --batch --signal=TERM`)
    /// take the same path: the script forwards all three to mpirun as USR1, because mpirun itself answers TERM/INT
    /// by killing the ranks and exiting 1.</summary>
    [SlurmTheory]
    [InlineData("USR1")]
    [InlineData("TERM")]
    [InlineData("INT")]
    public void Preempted_job_checkpoints_on_a_signal_to_the_batch_shell_is_requeued_and_finishes_from_its_checkpoint(string signalName)
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
        var signal = slurm.Client("scancel", "--batch", $"--signal={signalName}", id);
        Assert.True(signal.ExitCode == 0, signal.Output);

        // A requeued job goes RUNNING -> PENDING (Restarts=1) -> RUNNING, so its first final state is the end of the second run.
        var job = slurm.WaitFinished(id, TimeSpan.FromMinutes(4));
        var log = slurm.JobLog(id);
        Assert.True(job is { State: "COMPLETED", ExitCode: "0:0", Restarts: 1 }, $"{job.Raw}\n{log}");
        Assert.Contains($"received {signalName}: forwarding to the launcher", log);
        Assert.Contains("launcher exited with 75", log);
        Assert.Contains($"checkpointed for requeue: scontrol requeue {id} (restart 1 of at most 10)", log);
        Assert.Contains("start (restart 1)", log);
        Assert.Contains("resuming from checkpoint", log);
        Assert.Contains("resumed member 0 from", File.ReadAllText(Path.Combine(run, "logs", "rank-0.log")));
        // The two runs read as one: every evaluation once, in order, up to the last step.
        var evals = MetricSteps(run);
        Assert.Equal(evals.Order().Distinct(), evals);
        Assert.Equal(steps, evals[^1]);
    }

    [SlurmFact]
    public void Time_limit_signal_from_Slurm_checkpoints_requeues_and_stops_at_the_restart_cap()
    {
        // The path `#SBATCH --signal=B:USR1@N` takes: Slurm itself signals the batch shell N s before the
        // 2-minute limit; sbatch documents that the signal may come up to 60 s earlier than asked, so with
        // N=30 it lands 30-90 s into each run (a 1-minute limit could signal before the ranks start).
        // Training that would outlast the limit checkpoints and exits 75; the first time the job is
        // requeued, the second time the cap (XRAYHPC_MAX_RESTARTS=1) ends it with 75, not COMPLETED.
        var id = slurm.Submit(["--ntasks=2", "--time=2", "--signal=B:USR1@30", "--export=ALL,XRAYHPC_MAX_RESTARTS=1"], "train-preemptible.sbatch",
            slurm.Experiment, "--set", "schedule.max_steps=1000000", "--set", "schedule.epochs=100000", "--set", "tuner.ready_steps=50");
        var job = slurm.WaitFinished(id, TimeSpan.FromMinutes(8));
        var log = slurm.JobLog(id);
        Assert.True(job is { State: "FAILED", ExitCode: "75:0", Restarts: 1 }, $"{job.Raw}\n{log}");
        Assert.Equal(2, log.Split('\n').Count(l => l.Contains("received USR1: forwarding to the launcher")));
        Assert.Equal(2, log.Split('\n').Count(l => l.Contains("launcher exited with 75")));
        Assert.Contains($"checkpointed for requeue: scontrol requeue {id} (restart 1 of at most 1)", log);
        Assert.Contains("start (restart 1)", log);
        Assert.Contains("resuming from checkpoint", log);
        Assert.Contains("restart cap is reached (restart 1 of XRAYHPC_MAX_RESTARTS=1)", log);
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
