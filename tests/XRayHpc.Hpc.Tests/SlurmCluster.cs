using System.Text.RegularExpressions;

namespace XRayHpc.Hpc.Tests;

/// <summary>State of one Slurm job as `scontrol show job` reports it.</summary>
public sealed record JobInfo(string JobId, string State, string ExitCode, int Restarts, string Raw);

/// <summary>
/// Starts a private two-node Slurm (two slurmd on this host) through env/slurm/start.sh (its own state
/// folder and ports, so a developer's instance keeps running) and stops it in Dispose through
/// env/slurm/stop.sh, which ends only the daemons recorded in that folder's pid files. Also prepares a
/// tiny synthetic dataset once.
/// </summary>
public sealed class SlurmCluster : IDisposable
{
    public static string? UnavailableReason { get; } = FindUnavailableReason();

    static string? FindUnavailableReason()
    {
        if (Environment.UserName != "root" && !string.Equals(Environment.GetEnvironmentVariable("USER"), "root", StringComparison.Ordinal)
            && Cli.Exec("id", ["-u"], TimeSpan.FromSeconds(10)).Output.Trim() != "0")
            return "Slurm tests skipped: not running as root (the local slurmd must launch jobs as the submitting user; run `make test` as root, e.g. in the CI container)";
        foreach (var tool in new[] { "munged", "slurmctld", "slurmd", "sbatch", "scontrol", "mpirun" })
            if (ExternalTool.MissingReason(tool) is { } missing) return "Slurm tests skipped: " + missing;
        return null;
    }

    public string StateDir { get; } = Path.Combine(Path.GetTempPath(), "xrayhpc-slurm-tests");
    public string WorkDir { get; } = Path.Combine(Path.GetTempPath(), "xrayhpc-hpc-tests-" + Environment.ProcessId);
    public string RunsDir => Path.Combine(WorkDir, "runs");
    public string Experiment => Path.Combine(WorkDir, "tiny.yaml");
    /// <summary>The nodes start.sh defines: this host's name, then &lt;host&gt;-2.</summary>
    public static string FirstNode => Environment.MachineName.Split('.')[0];
    public static string SecondNode => FirstNode + "-2";
    /// <summary>What one node's slurmd logged (its job steps' launches among it).</summary>
    public string SlurmdLog(string node) => File.ReadAllText(Path.Combine(StateDir, "log", $"slurmd-{node}.log"));
    readonly bool _started;

    public SlurmCluster()
    {
        if (UnavailableReason != null) return;
        Directory.CreateDirectory(RunsDir);
        var start = Cli.Exec(Path.Combine(Cli.RepoRoot, "env/slurm/start.sh"), [], TimeSpan.FromSeconds(120), DaemonEnv);
        if (start.ExitCode != 0) throw new InvalidOperationException("env/slurm/start.sh failed:\n" + start.Output);
        _started = true;
        TinyData.Prepare(WorkDir, Experiment);
    }

    /// <summary>Where start.sh/stop.sh keep this cluster: not the default folder or ports of a developer's instance.</summary>
    IReadOnlyDictionary<string, string> DaemonEnv => new Dictionary<string, string>
    {
        ["XRAYHPC_SLURM_DIR"] = StateDir, ["XRAYHPC_SLURMCTLD_PORT"] = "16827", ["XRAYHPC_SLURMD_PORT"] = "16828", ["XRAYHPC_SLURM_NODES"] = "2", ["XRAYHPC_SLURM_FRESH"] = "1",
    };

    /// <summary>Environment for clients and jobs: our slurm.conf, the checkout, the built CLI, runs under WorkDir.</summary>
    public IReadOnlyDictionary<string, string> ClientEnv => new Dictionary<string, string>
    {
        ["XRAYHPC_ROOT"] = Cli.RepoRoot, ["XRAYHPC"] = $"dotnet {Cli.Dll}", ["XRAYHPC_RUNS"] = RunsDir,
    }.Concat(StartEnv).ToDictionary();

    /// <summary>As a user who only submits: no XRAYHPC_ROOT or XRAYHPC_RUNS (the Makefile exports the first
    /// to the tests), so the script must find the checkout and pick its default runs folder itself.</summary>
    public IReadOnlyDictionary<string, string> PlainClientEnv => new Dictionary<string, string>
    {
        ["XRAYHPC"] = $"dotnet {Cli.Dll}", ["XRAYHPC_ROOT"] = Cli.Unset, ["XRAYHPC_RUNS"] = Cli.Unset,
    }.Concat(StartEnv).ToDictionary();

    /// <summary>What start.sh tells its clients to export (its env.sh): SLURM_CONF, and the OpenMPI setting its
    /// nodes need because they share this host.</summary>
    IEnumerable<KeyValuePair<string, string>> StartEnv =>
        File.ReadLines(Path.Combine(StateDir, "env.sh"))
            .Select(line => Regex.Match(line, @"^export ([A-Za-z_][A-Za-z0-9_]*)=(\S+)$"))
            .Where(m => m.Success)
            .Select(m => KeyValuePair.Create(m.Groups[1].Value, m.Groups[2].Value));

    public ProcessResult Client(string tool, params string[] args) => Cli.Exec(ExternalTool.Resolve(tool), args, TimeSpan.FromSeconds(60), ClientEnv, WorkDir);

    /// <summary>sbatch jobs/&lt;script&gt; from the work folder (not the checkout); returns the job id.</summary>
    public string Submit(IEnumerable<string> sbatchOptions, string script, params string[] scriptArgs) =>
        Submit(ClientEnv, sbatchOptions, script, scriptArgs);

    public string Submit(IReadOnlyDictionary<string, string> env, IEnumerable<string> sbatchOptions, string script, params string[] scriptArgs)
    {
        var r = Cli.Exec(ExternalTool.Resolve("sbatch"), ["--parsable", $"--output={WorkDir}/slurm-%j.out", .. sbatchOptions, Path.Combine(Cli.RepoRoot, "jobs", script), .. scriptArgs],
            TimeSpan.FromSeconds(60), env, WorkDir);
        Assert.True(r.ExitCode == 0, "sbatch failed: " + r.Output);
        return r.Output.Trim().Split(';')[0];
    }

    public JobInfo Job(string jobId)
    {
        var r = Client("scontrol", "show", "job", "-o", jobId);
        Assert.True(r.ExitCode == 0, $"scontrol show job {jobId}: {r.Output}");
        var line = r.Output.Split('\n').First(l => l.Contains("JobId="));
        string Field(string name) => Regex.Match(line, $@"\b{name}=(\S+)").Groups[1].Value;
        return new JobInfo(Field("JobId"), Field("JobState"), Field("ExitCode"), int.TryParse(Field("Restarts"), out var n) ? n : 0, line);
    }

    static readonly string[] Final = ["COMPLETED", "FAILED", "CANCELLED", "TIMEOUT", "NODE_FAIL", "OUT_OF_MEMORY", "BOOT_FAIL", "DEADLINE"];

    /// <summary>Polls until the job reaches a final state (a requeued job passes through PENDING again and is waited for).</summary>
    public JobInfo WaitFinished(string jobId, TimeSpan timeout) => WaitFor(jobId, j => Final.Contains(j.State), timeout, "a final state");

    public JobInfo WaitFor(string jobId, Func<JobInfo, bool> condition, TimeSpan timeout, string what)
    {
        var deadline = DateTime.UtcNow + timeout;
        JobInfo job;
        while (!condition(job = Job(jobId)))
        {
            if (DateTime.UtcNow > deadline)
                Assert.Fail($"job {jobId} did not reach {what} within {timeout.TotalSeconds} s; last: {job.Raw}\n{JobLog(jobId)}");
            Thread.Sleep(250);
        }
        return job;
    }

    public string RunDir(string jobId) => Path.Combine(RunsDir, jobId);

    public string JobLog(string jobId) => File.Exists(Path.Combine(RunDir(jobId), "job.log")) ? File.ReadAllText(Path.Combine(RunDir(jobId), "job.log")) : "(no job.log)";

    public void Dispose()
    {
        if (_started)
        {
            var stop = Cli.Exec(Path.Combine(Cli.RepoRoot, "env/slurm/stop.sh"), [], TimeSpan.FromSeconds(90), DaemonEnv);
            if (stop.ExitCode != 0) Console.Error.WriteLine("env/slurm/stop.sh: " + stop.Output);
        }
        try { Directory.Delete(WorkDir, true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }
}

[CollectionDefinition("slurm")]
public sealed class SlurmCollection : ICollectionFixture<SlurmCluster>;
