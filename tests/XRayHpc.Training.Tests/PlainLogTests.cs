using System.Diagnostics;

namespace XRayHpc.Training.Tests;

/// <summary>
/// Output that goes to a file stays plain text: `xrayhpc ... > log` once wrote ESC[?1h ESC= and colour codes around the
/// summary table, because mpirun gives each rank a pseudo-terminal whatever its own stdout is. These run the CLI the way
/// a user does, through a shell redirect, with a terminal-looking TERM, and look for any ESC byte in the file.
/// </summary>
[Collection("train-mpi")]
public sealed class PlainLogTests(SynthCaches data)
{
    /// <summary>`sh -c 'cmd > file 2>&amp;1'` with TERM=xterm-256color and no Slurm variables; returns the exit code.</summary>
    static int ShellRedirect(string command, string logFile, TimeSpan limit)
    {
        var psi = new ProcessStartInfo(ExternalTool.Resolve("sh")) { UseShellExecute = false };
        psi.ArgumentList.Add("-c");
        psi.ArgumentList.Add($"{command} > '{logFile}' 2>&1");
        psi.Environment["TERM"] = "xterm-256color";
        psi.Environment["OMPI_ALLOW_RUN_AS_ROOT"] = "1";
        psi.Environment["OMPI_ALLOW_RUN_AS_ROOT_CONFIRM"] = "1";
        psi.Environment["OMPI_MCA_rmaps_base_oversubscribe"] = "1";
        foreach (var k in psi.Environment.Keys.Where(k => k.StartsWith("SLURM_", StringComparison.Ordinal)).ToList()) psi.Environment.Remove(k);
        using var p = Process.Start(psi)!;
        if (!p.WaitForExit(limit)) { p.Kill(true); throw new TimeoutException($"{command} did not finish within {limit}"); }
        return p.ExitCode;
    }

    static void AssertNoEscape(string logFile)
    {
        var bytes = File.ReadAllBytes(logFile);
        int at = Array.IndexOf(bytes, (byte)0x1B);
        Assert.True(at < 0, $"ESC byte at offset {at} of {logFile}:\n{File.ReadAllText(logFile)}");
    }

    [Fact]
    public void Train_under_mpirun_with_live_progress_writes_a_plain_log_file()
    {
        var run = Path.Combine(data.Root, "plainlog-" + Guid.NewGuid().ToString("N")[..6]);
        var yaml = run + ".yaml";
        File.WriteAllText(yaml, $$"""
            run: {name: plain, dir: "{{run}}", seed: 1, threads: 1}
            data: {cache: "{{data.Cache32}}", task: multilabel, batch_size: 16, eval_batch_size: 64, augment: false, loader_threads: 1}
            model: {name: resnet18, in_channels: 1}
            schedule: {name: constant, max_steps: 3}
            tuner: {kind: none, population: 1}
            checkpoint: {enabled: false}
            logging: {progress: live}
            """);
        var log = run + ".log";
        int rc = ShellRedirect($"'{ExternalTool.Resolve("mpirun")}' -np 1 dotnet '{CliProcess.Dll}' train '{yaml}'", log, TimeSpan.FromMinutes(4));
        Assert.True(rc == 0, File.ReadAllText(log));
        Assert.Contains("training summary", File.ReadAllText(log)); // the table was written, as plain text
        AssertNoEscape(log);
    }

    [Fact]
    [System.Runtime.Versioning.SupportedOSPlatform("linux")] // file modes: doctor fails a salt file other users can read
    public void Doctor_to_a_file_is_plain_and_an_open_salt_file_fails_with_its_fix()
    {
        var dir = Directory.CreateDirectory(Path.Combine(data.Root, "doctor-" + Guid.NewGuid().ToString("N")[..6])).FullName;
        var salt = Path.Combine(dir, "salt");
        File.WriteAllText(salt, "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff\n");
        File.SetUnixFileMode(salt, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead);
        var log = Path.Combine(dir, "doctor.log");
        string cmd = $"dotnet '{CliProcess.Dll}' doctor --run-dir '{dir}/runs' --salt-file '{salt}'";

        Assert.Equal(1, ShellRedirect(cmd, log, TimeSpan.FromMinutes(2)));
        var text = File.ReadAllText(log);
        Assert.Matches(@"fail +patient salt .*mode 0644", text);
        Assert.Contains($"fix: chmod 600 {salt}", text);
        Assert.Matches(@"ok +run directory", text);
        AssertNoEscape(log);

        File.SetUnixFileMode(salt, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        ShellRedirect(cmd, log, TimeSpan.FromMinutes(2));
        Assert.Matches(@"ok +patient salt .*mode 0600", File.ReadAllText(log));
    }
}
