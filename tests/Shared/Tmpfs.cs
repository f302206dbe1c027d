using System.Diagnostics;

namespace XRayHpc.TestSupport;

/// <summary>
/// Small tmpfs mounts: a real "No space left on device" for the checkpoint tests. Needs root (or
/// CAP_SYS_ADMIN); whether this machine allows it is found once by mounting and unmounting a probe.
/// </summary>
public static class Tmpfs
{
    static readonly Lazy<string?> Unavailable = new(Probe);

    /// <summary>Why tmpfs cannot be mounted here, or null when it can.</summary>
    public static string? UnavailableReason => Unavailable.Value;

    static string? Probe()
    {
        if (Environment.UserName != "root") return "needs root to mount a tmpfs (a real full disk); run the tests as root, as CI does";
        var dir = Directory.CreateTempSubdirectory("xrayhpc-tmpfs-probe-").FullName;
        try
        {
            var (rc, err) = Run("mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", dir);
            if (rc != 0) return $"mount -t tmpfs failed here (exit {rc}: {err.Trim()}); a container without CAP_SYS_ADMIN cannot give a real full disk";
            Run("umount", dir);
            return null;
        }
        finally { try { Directory.Delete(dir); } catch (IOException) { } }
    }

    public static void Mount(string dir, string size)
    {
        var (rc, err) = Run("mount", "-t", "tmpfs", "-o", $"size={size}", "tmpfs", dir);
        if (rc != 0) throw new InvalidOperationException($"mount -t tmpfs -o size={size} tmpfs {dir}: exit {rc}: {err}");
    }

    public static void Unmount(string dir) => Run("umount", dir);

    static (int ExitCode, string Stderr) Run(string file, params string[] args)
    {
        var psi = new ProcessStartInfo(file) { RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false };
        foreach (var a in args) psi.ArgumentList.Add(a);
        try
        {
            using var p = Process.Start(psi)!;
            _ = p.StandardOutput.ReadToEndAsync();
            var err = p.StandardError.ReadToEndAsync();
            if (!p.WaitForExit(60_000)) { p.Kill(true); return (-1, $"{file} did not finish in 60 s"); }
            return (p.ExitCode, err.Result);
        }
        catch (System.ComponentModel.Win32Exception e) { return (-1, e.Message); }
    }
}
