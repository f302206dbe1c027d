using System.Diagnostics;
using System.Text;

namespace XRayHpc.Mpi.Tests;

/// <summary>One real `mpirun -np N dotnet XRayHpc.Mpi.TestApp.dll scenario` job. Output is collected as
/// it arrives so a test can wait for a line (polling with a deadline, never sleeping a fixed time).
/// Disposing kills whatever is still running so a failing test cannot leave ranks spinning.</summary>
public sealed class MpiRun : IDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _output = new();
    private readonly object _gate = new();

    // Limits sized for the 2-core CI machine with 4-rank jobs oversubscribing it (test classes run one at
    // a time: AssemblyInfo.cs). They catch hangs; they are not performance assertions.
    /// <summary>Launch to a rank's first progress lines (dotnet start-up of every rank included).</summary>
    public static readonly TimeSpan StartLimit = TimeSpan.FromSeconds(180);
    /// <summary>A short scenario (collectives, hello) from launch to exit.</summary>
    public static readonly TimeSpan JobLimit = TimeSpan.FromSeconds(180);
    /// <summary>A data-parallel training scenario from launch to exit.</summary>
    public static readonly TimeSpan TrainLimit = TimeSpan.FromSeconds(300);
    /// <summary>From a rank's failure (exception, SIGKILL, SIGUSR1) to the end of the whole job.</summary>
    public static readonly TimeSpan AbortLimit = TimeSpan.FromSeconds(90);

    public static string AppPath => Path.Combine(AppContext.BaseDirectory, "XRayHpc.Mpi.TestApp.dll");

    private MpiRun(string launcher, IEnumerable<string> launcherArgs, IEnumerable<string> appArgs,
        IReadOnlyDictionary<string, string?>? env)
    {
        var psi = new ProcessStartInfo(ExternalTool.Resolve(launcher))
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var a in launcherArgs) psi.ArgumentList.Add(a);
        psi.ArgumentList.Add("dotnet");
        psi.ArgumentList.Add(AppPath);
        foreach (var a in appArgs) psi.ArgumentList.Add(a);
        // Set here for the child, never taken from whoever runs the tests (CI runs as root on 2 cores).
        psi.Environment["OMPI_ALLOW_RUN_AS_ROOT"] = "1";
        psi.Environment["OMPI_ALLOW_RUN_AS_ROOT_CONFIRM"] = "1";
        psi.Environment["OMPI_MCA_rmaps_base_oversubscribe"] = "1";
        psi.Environment["TERM"] = "dumb"; // no terminal control sequences in the captured output
        if (env is not null)
            foreach (var (k, v) in env) psi.Environment[k] = v;
        _process = new Process { StartInfo = psi };
        _process.OutputDataReceived += (_, e) => Append(e.Data);
        _process.ErrorDataReceived += (_, e) => Append(e.Data);
        _process.Start();
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
    }

    public static MpiRun OpenMpi(int ranks, params string[] appArgs) =>
        new("mpirun", new[] { "-np", ranks.ToString() }, appArgs, null);

    public static MpiRun OpenMpi(int ranks, IReadOnlyDictionary<string, string?> env, params string[] appArgs) =>
        new("mpirun", new[] { "-np", ranks.ToString() }, appArgs, env);

    /// <summary>No launcher at all: MPI's singleton initialisation.</summary>
    public static MpiRun WithoutLauncher(params string[] appArgs) => new("/usr/bin/env", Array.Empty<string>(), appArgs, null);

    public static MpiRun Mpich(int ranks, IReadOnlyDictionary<string, string?> env, params string[] appArgs) =>
        new("mpirun.mpich", new[] { "-np", ranks.ToString() }, appArgs, env);

    private void Append(string? line)
    {
        if (line is null) return;
        lock (_gate) _output.AppendLine(line);
    }

    public string Output
    {
        get { lock (_gate) return _output.ToString(); }
    }

    public int ExitCode => _process.ExitCode;

    /// <summary>Waits for the job to end; on timeout kills it and fails with the output so far.</summary>
    public TimeSpan WaitForExit(TimeSpan timeout)
    {
        var watch = Stopwatch.StartNew();
        if (!_process.WaitForExit(timeout))
        {
            Kill();
            throw new TimeoutException($"mpirun did not finish within {timeout.TotalSeconds} s. Output:\n{Output}");
        }
        _process.WaitForExit(); // drains the asynchronous output readers
        return watch.Elapsed;
    }

    /// <summary>Polls the collected output until the predicate holds (returns the matching line).</summary>
    public string WaitForLine(Func<string, bool> predicate, TimeSpan timeout)
    {
        var watch = Stopwatch.StartNew();
        while (watch.Elapsed < timeout)
        {
            var line = Output.Split('\n').FirstOrDefault(l => predicate(l.TrimEnd('\r')));
            if (line is not null) return line.TrimEnd('\r');
            if (_process.HasExited) break;
            _process.WaitForExit(50); // wakes early when the job ends; otherwise re-polls
        }
        throw new TimeoutException($"no matching output line within {timeout.TotalSeconds} s. Output:\n{Output}");
    }

    /// <summary>Runs a job to completion and asserts every rank printed PASS.</summary>
    public static string RunToPass(int ranks, string scenario, TimeSpan timeout, params string[] extraArgs) =>
        RunToPass(ranks, new Dictionary<string, string?>(), scenario, timeout, extraArgs);

    /// <summary>RunToPass with environment variables set for the job.</summary>
    public static string RunToPass(int ranks, IReadOnlyDictionary<string, string?> env, string scenario, TimeSpan timeout, params string[] extraArgs)
    {
        using var run = OpenMpi(ranks, env, new[] { scenario }.Concat(extraArgs).ToArray());
        run.WaitForExit(timeout);
        var output = run.Output;
        Assert.True(run.ExitCode == 0, $"mpirun -np {ranks} {scenario} exited {run.ExitCode}:\n{output}");
        for (var r = 0; r < ranks; r++)
            Assert.True(output.Contains($"PASS {scenario} rank {r} size {ranks}"), $"rank {r} did not pass {scenario}:\n{output}");
        return output;
    }

    private void Kill()
    {
        try
        {
            if (!_process.HasExited) _process.Kill(entireProcessTree: true);
        }
        catch (InvalidOperationException)
        {
            // already gone
        }
    }

    public void Dispose()
    {
        Kill();
        _process.Dispose();
    }
}
