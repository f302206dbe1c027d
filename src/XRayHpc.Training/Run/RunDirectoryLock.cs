using System.Globalization;

namespace XRayHpc.Training.Run;

/// <summary>
/// Ownership of a run directory: a lock file created with O_CREAT|O_EXCL (atomic on local file systems, NFSv3+
/// and Lustre, unlike flock/fcntl locks on many cluster mounts) holding who owns it. Removed on dispose. A lock
/// whose owner is provably gone (same host and its pid no longer exists, or an earlier start of this same
/// requeued Slurm job) is taken over and the caller reports that loudly; any other existing lock refuses the run.
/// </summary>
public sealed class RunDirectoryLock : IDisposable
{
    public const string FileName = ".xrayhpc.lock";
    public string Path { get; }
    public LockOwner Owner { get; }
    /// <summary>The stale owner taken over, for the caller to report (null when the directory was free).</summary>
    public LockOwner? TookOverFrom { get; }
    bool _released;

    RunDirectoryLock(string path, LockOwner owner, LockOwner? tookOver) { Path = path; Owner = owner; TookOverFrom = tookOver; }

    public static RunDirectoryLock Acquire(string dir)
    {
        var path = System.IO.Path.Combine(dir, FileName);
        var me = LockOwner.Current();
        if (TryCreate(path, me)) return new RunDirectoryLock(path, me, null);

        var text = ReadOrEmpty(path);
        var owner = LockOwner.Parse(text);
        if (owner == null)
            throw new RunDirectoryException($"run directory {dir} is locked by {path}, which cannot be read as a lock (\"{text.Trim()}\"); " +
                                            "if no job is using the directory, delete that file and start again");
        if (!owner.IsProvablyGone(me))
            throw new RunDirectoryException($"run directory {dir} is in use by {owner.Describe()} (lock file {path}); " +
                                            "wait for that job, or give this run another run.dir. If that job is gone, delete the lock file.");
        // Move the stale lock aside under a unique name: rename is atomic, so of two starters only one can take it,
        // and what was moved is checked to be the very lock judged stale before the new one is created.
        var aside = $"{path}.stale-{me.Host}-{me.Pid}";
        try { File.Move(path, aside); }
        catch (FileNotFoundException) { /* another starter moved it first; the create below decides */ }
        var moved = ReadOrEmpty(aside);
        if (moved.Length > 0 && moved != text)
        {
            File.Move(aside, path); // not the lock we judged stale: put it back
            throw new RunDirectoryException($"run directory {dir}: another job took the lock while this one checked it; not starting");
        }
        File.Delete(aside);
        if (!TryCreate(path, me))
            throw new RunDirectoryException($"run directory {dir}: another job took the lock ({ReadOrEmpty(path).Trim()}) while this one replaced a stale lock; not starting");
        return new RunDirectoryLock(path, me, owner);
    }

    static bool TryCreate(string path, LockOwner me)
    {
        try
        {
            using var fs = new FileStream(path, FileMode.CreateNew, FileAccess.Write, FileShare.Read);
            using var w = new StreamWriter(fs);
            w.Write(me.ToText());
            w.Flush();
            fs.Flush(flushToDisk: true);
            return true;
        }
        catch (IOException) when (File.Exists(path)) { return false; }
    }

    static string ReadOrEmpty(string path)
    {
        try { return File.ReadAllText(path); } catch (FileNotFoundException) { return ""; } catch (DirectoryNotFoundException) { return ""; }
    }

    /// <summary>Removes the lock file if it is still this process's (never another job's).</summary>
    public void Dispose()
    {
        if (_released) return;
        _released = true;
        try { if (LockOwner.Parse(ReadOrEmpty(Path)) == Owner) File.Delete(Path); }
        catch (IOException) { /* the directory is gone or read-only: nothing left to release */ }
    }
}

/// <summary>Who holds a run directory: host, pid, Slurm job id (if any) and start time, one "key: value" per line.</summary>
public sealed record LockOwner(string Host, int Pid, string? SlurmJobId, DateTimeOffset Started)
{
    public static LockOwner Current() => new(Environment.MachineName, Environment.ProcessId,
        Environment.GetEnvironmentVariable("SLURM_JOB_ID") is { Length: > 0 } j ? j : null, DateTimeOffset.UtcNow);

    public string ToText() => $"host: {Host}\npid: {Pid}\nslurm_job_id: {SlurmJobId ?? ""}\nstarted: {Started.ToString("O", CultureInfo.InvariantCulture)}\n";

    public static LockOwner? Parse(string text)
    {
        var kv = text.Split('\n').Select(l => l.Split(": ", 2)).Where(p => p.Length == 2).ToDictionary(p => p[0].Trim(), p => p[1].Trim());
        if (!kv.TryGetValue("host", out var host) || host.Length == 0) return null;
        if (!kv.TryGetValue("pid", out var pidText) || !int.TryParse(pidText, NumberStyles.None, CultureInfo.InvariantCulture, out var pid)) return null;
        if (!kv.TryGetValue("started", out var st) || !DateTimeOffset.TryParse(st, CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind, out var started)) return null;
        return new LockOwner(host, pid, kv.GetValueOrDefault("slurm_job_id") is { Length: > 0 } j ? j : null, started);
    }

    /// <summary>
    /// True only when the owner certainly no longer runs: on this host with its pid gone, or an earlier start of the
    /// same Slurm job (a requeued job keeps its id; its previous start has ended). A lock from another host of
    /// another job cannot be checked from here and is treated as live.
    /// </summary>
    public bool IsProvablyGone(LockOwner me)
    {
        bool sameHost = Host == me.Host;
        if (sameHost && !ProcessExists(Pid)) return true;
        return SlurmJobId != null && SlurmJobId == me.SlurmJobId && !sameHost;
    }

    /// <summary>A zombie (killed, not yet reaped: common in containers whose init does not reap) no longer runs.</summary>
    static bool ProcessExists(int pid)
    {
        if (!OperatingSystem.IsLinux()) return true;
        string stat;
        try { stat = File.ReadAllText($"/proc/{pid}/stat"); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { return Directory.Exists($"/proc/{pid}"); }
        // "pid (comm) S ...": the state follows the last ')' (comm may itself contain parentheses).
        int close = stat.LastIndexOf(')');
        char state = close >= 0 && close + 2 < stat.Length ? stat[close + 2] : 'R';
        return state is not ('Z' or 'X');
    }

    public string Describe() =>
        $"pid {Pid} on host {Host}{(SlurmJobId != null ? $" (Slurm job {SlurmJobId})" : "")}, started {Started.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture)} UTC";
}
