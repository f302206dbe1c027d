using System.Diagnostics;
using XRayHpc.Training.Run;

namespace XRayHpc.Training.Tests;

public class RunDirectoryLockTests
{
    [Fact]
    public void SecondClaimRefused_ReleaseRemovesTheFile_ForeignHostNeverTakenOver()
    {
        var dir = Directory.CreateTempSubdirectory("xrayhpc-lock-").FullName;
        try
        {
            var path = Path.Combine(dir, RunDirectoryLock.FileName);
            using (var first = RunDirectoryLock.Acquire(dir))
            {
                Assert.Equal(Environment.ProcessId, LockOwner.Parse(File.ReadAllText(path))!.Pid);
                var e = Assert.Throws<RunDirectoryException>(() => RunDirectoryLock.Acquire(dir));
                Assert.Contains($"is in use by pid {Environment.ProcessId} on host {Environment.MachineName}", e.Message);
            }
            Assert.False(File.Exists(path));

            File.WriteAllText(path, new LockOwner("elsewhere", 1, null, DateTimeOffset.UtcNow).ToText());
            Assert.Throws<RunDirectoryException>(() => RunDirectoryLock.Acquire(dir));
            Assert.True(File.Exists(path));
        }
        finally { Directory.Delete(dir, true); }
    }

    [Fact]
    public void LockOfAZombieProcess_IsStale_AndTakenOverWithTheOwnerNamed()
    {
        // A killed process that nobody reaps (as under a container init that does not reap) still has /proc/<pid>.
        using var parent = Process.Start(new ProcessStartInfo("sh", ["-c", "sleep 0 & exec sleep 20"]))!;
        try
        {
            int zombie = 0;
            Poll.Until(() =>
            {
                foreach (var d in Directory.GetDirectories("/proc"))
                    if (int.TryParse(Path.GetFileName(d), out var pid) && File.Exists($"{d}/stat"))
                    {
                        string stat;
                        try { stat = File.ReadAllText($"{d}/stat"); } catch (IOException) { continue; }
                        var f = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
                        if (f[0] == "Z" && f[1] == parent.Id.ToString()) { zombie = pid; return true; }
                    }
                return false;
            }, TimeSpan.FromSeconds(15), "a zombie child of the sleeping parent");

            var dir = Directory.CreateTempSubdirectory("xrayhpc-lock-").FullName;
            try
            {
                File.WriteAllText(Path.Combine(dir, RunDirectoryLock.FileName), new LockOwner(Environment.MachineName, zombie, null, DateTimeOffset.UtcNow).ToText());
                using var taken = RunDirectoryLock.Acquire(dir);
                Assert.Equal(zombie, taken.TookOverFrom!.Pid);
                Assert.Equal(Environment.ProcessId, taken.Owner.Pid);
            }
            finally { Directory.Delete(dir, true); }
        }
        finally { parent.Kill(); parent.WaitForExit(); }
    }
}
