using XRayHpc.Checkpoint;

namespace XRayHpc.Checkpoint.Tests;

public sealed class CheckpointStoreTests : IDisposable
{
    readonly string _dir = Directory.CreateTempSubdirectory("xrayhpc-ckpt-").FullName;
    public void Dispose() { try { Directory.Delete(_dir, true); } catch (IOException) { } }

    static CheckpointState State(int member, long step, double score) => new()
    {
        Member = member, Step = step, Epoch = 1, BatchInEpoch = 7, Round = (int)(step / 10),
        Hyperparameters = { ["lr"] = 0.1 / 3, ["momentum"] = 0.9 },
        Metrics = { ["mean_auroc"] = score },
        Rng = { ["torch"] = Convert.ToBase64String([1, 2, 3]) },
        TunerState = "{\"x\": 1}",
    };

    static (string, Action<string>)[] Files(int bytes, byte fill = 7) =>
        [("model.safetensors", p => File.WriteAllBytes(p, Enumerable.Repeat(fill, bytes).ToArray())),
         ("optimizer.safetensors", p => File.WriteAllBytes(p, new byte[16]))];

    static void WriteSet(CheckpointStore s, long step, int population, double[] scores, int bytes = 1000)
    {
        for (int m = 0; m < population; m++) s.WriteMember(State(m, step, scores[m]), Files(bytes, (byte)step));
        s.Commit(step, population, scores.Select((v, m) => (m, v)).ToList());
    }

    [Fact]
    public void SavedState_ReadsBackExactly_AndLatestPointsAtTheSet()
    {
        var s = new CheckpointStore(_dir, keepLast: 2);
        WriteSet(s, 10, 2, [0.5, 0.6]);
        Assert.Equal(10, s.FindLatestComplete(2));
        var (state, dir) = s.Read(1, 10);
        Assert.Equal(0.1 / 3, state.Hyperparameters["lr"]);
        Assert.Equal(7, state.BatchInEpoch);
        Assert.Equal(new byte[] { 1, 2, 3 }, Convert.FromBase64String(state.Rng["torch"]));
        Assert.Equal(1000, new FileInfo(Path.Combine(dir, "model.safetensors")).Length);
        Assert.Equal("step-00000010", File.ReadAllText(Path.Combine(_dir, "latest")).Trim());
        Assert.Equal((1, 10L, 0.6), s.ReadBest());
        Assert.Empty(Directory.GetDirectories(s.MemberDir(0), ".tmp-*"));
    }

    [Fact]
    public void CorruptOrIncompleteNewestSet_FallsBackToThePreviousOne()
    {
        var s = new CheckpointStore(_dir, keepLast: 3);
        WriteSet(s, 10, 2, [0.5, 0.6]);
        WriteSet(s, 20, 2, [0.5, 0.6]);
        // A torn write of one member (same size, different bytes) and a missing state file.
        var f = Path.Combine(s.StepDir(1, 20), "model.safetensors");
        var bytes = File.ReadAllBytes(f); bytes[5] ^= 0xFF; File.WriteAllBytes(f, bytes);
        Assert.Contains("SHA-256", s.Verify(1, 20));
        Assert.Equal(10, s.FindLatestComplete(2));
        File.Delete(Path.Combine(s.StepDir(0, 10), CheckpointStore.StateFile));
        Assert.Null(s.FindLatestComplete(2));
    }

    [Fact]
    public void StepWrittenButNeverCommitted_IsIgnored()
    {
        var s = new CheckpointStore(_dir);
        WriteSet(s, 10, 1, [0.5]);
        s.WriteMember(State(0, 20, 0.9), Files(10)); // crash before Commit
        Assert.Equal(10, s.FindLatestComplete(1));
        s.WriteMember(State(0, 20, 0.9), Files(10)); // the rerun writes the same step again
        s.Commit(20, 1, [(0, 0.9)]);
        Assert.Equal(20, s.FindLatestComplete(1));
    }

    [Fact]
    public void KeepsLastK_AndTheBest_AndNeverANaNBest()
    {
        var s = new CheckpointStore(_dir, keepLast: 2);
        WriteSet(s, 10, 1, [0.9]);
        WriteSet(s, 20, 1, [double.NaN]);
        WriteSet(s, 30, 1, [0.7]);
        WriteSet(s, 40, 1, [double.PositiveInfinity]);
        var steps = Directory.GetDirectories(s.MemberDir(0), "step-*").Select(d => new DirectoryInfo(d).Name).Order().ToArray();
        Assert.Equal(["step-00000010", "step-00000030", "step-00000040"], steps);
        Assert.Equal((0, 10L, 0.9), s.ReadBest());
        // The pointer on disk, read as text (not through ReadBest): the kept best set, never NaN's or +Inf's.
        Assert.Equal(["member-0/step-00000010", "0.9"], File.ReadAllLines(Path.Combine(_dir, "best")));
        // A later finite better score moves it.
        WriteSet(s, 50, 1, [0.95]);
        Assert.Equal(["member-0/step-00000050", "0.95"], File.ReadAllLines(Path.Combine(_dir, "best")));
    }

    // Simulated with a regular file where the member's directory must go: creating it fails with an IOException.
    [Fact]
    public void UnwritableMemberDirectory_ReportsAndKeepsThePreviousSet()
    {
        var s = new CheckpointStore(_dir);
        WriteSet(s, 10, 2, [0.5, 0.6]);
        Directory.Delete(s.MemberDir(1), true);
        WriteSet(s, 10, 1, [0.5]);
        File.WriteAllText(s.MemberDir(1), "not a directory");
        var e = Assert.Throws<CheckpointWriteException>(() => s.WriteMember(State(1, 20, 0.7), Files(100)));
        Assert.Contains("member 1 at step 20", e.Message);
        Assert.Equal(10, s.ReadLatestPointer());
        Assert.Null(s.Verify(0, 10));
    }

    // A failing file writer (what a full disk looks like to the store), without needing a mount.
    [Fact]
    public void FailingWriter_ReportsAndKeepsThePreviousSet()
    {
        var s0 = new CheckpointStore(_dir);
        WriteSet(s0, 10, 1, [0.5]);
        var e0 = Assert.Throws<CheckpointWriteException>(() => s0.WriteMember(State(0, 20, 0.6),
            [("model.safetensors", _ => throw new IOException("No space left on device (injected)"))]));
        Assert.Contains("No space left", e0.Message);
        Assert.Equal(10, s0.FindLatestComplete(1));
    }

    // A real full disk: a 96 KiB tmpfs (needs root to mount; the CI machine runs as root, elsewhere the test
    // is skipped with the reason). The first set fits, the second cannot; the error must name the cause and
    // the first set must still load.
    [TmpfsFact]
    public void FullDisk_ReportsAndThePreviousCheckpointStillLoads()
    {
        var mnt = Path.Combine(_dir, "tiny");
        Directory.CreateDirectory(mnt);
        Tmpfs.Mount(mnt, "96k");
        try
        {
            var s = new CheckpointStore(mnt);
            WriteSet(s, 10, 1, [0.5], bytes: 20_000);
            var e = Assert.Throws<CheckpointWriteException>(() => s.WriteMember(State(0, 20, 0.6), Files(200_000)));
            Assert.Contains("step 20", e.Message);
            Assert.IsAssignableFrom<IOException>(e.InnerException);
            Assert.Empty(Directory.GetDirectories(s.MemberDir(0), ".tmp-*")); // the partial temp dir was removed
            Assert.Equal(10, s.FindLatestComplete(1));
            var (state, dir) = s.Read(0, 10);
            Assert.Equal(20_000, new FileInfo(Path.Combine(dir, "model.safetensors")).Length);
            // Space freed again: the next save works.
            s.WriteMember(State(0, 30, 0.7), Files(20_000));
            s.Commit(30, 1, [(0, 0.7)]);
            Assert.Equal(30, s.FindLatestComplete(1));
        }
        finally { Tmpfs.Unmount(mnt); }
    }
}
