using System.Globalization;
using YamlDotNet.Serialization;
using YamlDotNet.Serialization.NamingConventions;

namespace XRayHpc.Checkpoint;

/// <summary>
/// &lt;root&gt;/member-&lt;i&gt;/step-&lt;NNNNNNNN&gt;/{model.safetensors, optimizer.safetensors, state.yaml}, plus
/// &lt;root&gt;/latest (the step of the newest complete set of all members) and &lt;root&gt;/best
/// ("member-i/step-N" of the best checkpoint by the chosen metric). A step directory is built under a
/// temp name and renamed into place only after every file in it is fsync'd; `latest` moves last, so a
/// crash at any moment leaves the previous set loadable.
/// </summary>
public sealed class CheckpointStore(string root, int keepLast = 2)
{
    public const string StateFile = "state.yaml";
    public string Root { get; } = Path.GetFullPath(root);
    public int KeepLast { get; } = Math.Max(1, keepLast);

    public static string StepName(long step) => $"step-{step:D8}";
    public string MemberDir(int member) => Path.Combine(Root, $"member-{member}");
    public string StepDir(int member, long step) => Path.Combine(MemberDir(member), StepName(step));

    static readonly ISerializer Yaml = new SerializerBuilder().WithNamingConvention(UnderscoredNamingConvention.Instance).Build();
    static readonly IDeserializer YamlIn = new DeserializerBuilder().WithNamingConvention(UnderscoredNamingConvention.Instance).Build();

    /// <summary>
    /// Writes one member's checkpoint. Each writer receives the path to create (inside a temp directory).
    /// On any I/O failure the temp directory is removed and a <see cref="CheckpointWriteException"/> says
    /// what failed; nothing that existed before is touched.
    /// </summary>
    public string WriteMember(CheckpointState state, IReadOnlyList<(string Name, Action<string> Write)> files)
    {
        var final = StepDir(state.Member, state.Step);
        var tmp = Path.Combine(MemberDir(state.Member), $".tmp-{StepName(state.Step)}-{Environment.ProcessId}");
        try
        {
            Directory.CreateDirectory(MemberDir(state.Member));
            if (Directory.Exists(tmp)) Directory.Delete(tmp, recursive: true);
            Directory.CreateDirectory(tmp);
            state.Files = new Dictionary<string, CheckpointFile>();
            foreach (var (name, write) in files)
            {
                var path = Path.Combine(tmp, name);
                write(path);
                Durable.FsyncFile(path);
                state.Files[name] = new CheckpointFile { Bytes = new FileInfo(path).Length, Sha256 = Durable.Sha256Hex(path) };
            }
            var statePath = Path.Combine(tmp, StateFile);
            using (var fs = new FileStream(statePath, FileMode.CreateNew, FileAccess.Write))
            using (var w = new StreamWriter(fs))
            {
                w.Write(SerializeState(state));
                w.Flush();
                fs.Flush(flushToDisk: true);
            }
            Durable.FsyncDirectory(tmp);
            if (Directory.Exists(final))
            {
                // Left by a run that crashed between writing this step and committing it: never committed, so replace it.
                var stale = final + $".stale-{Environment.ProcessId}";
                Directory.Move(final, stale);
                Directory.Delete(stale, recursive: true);
            }
            Directory.Move(tmp, final);
            Durable.FsyncDirectory(MemberDir(state.Member));
            return final;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            try { if (Directory.Exists(tmp)) Directory.Delete(tmp, recursive: true); } catch (Exception) { /* best effort: the cause is reported below */ }
            throw new CheckpointWriteException($"checkpoint of member {state.Member} at step {state.Step} into {final} failed: {e.Message}", e);
        }
    }

    /// <summary>
    /// Called once every member's <see cref="WriteMember"/> succeeded: moves `latest` to this step, moves `best`
    /// if <paramref name="candidates"/> holds a better finite score, then prunes old steps.
    /// Returns warnings (a prune that failed is not a reason to stop training).
    /// </summary>
    public IReadOnlyList<string> Commit(long step, int population, IReadOnlyList<(int Member, double Score)> candidates, bool higherIsBetter = true)
    {
        try
        {
            Durable.ReplaceText(Path.Combine(Root, "latest"), StepName(step) + "\n");
            var best = ReadBest();
            double bestScore = best is { } b ? b.Score : double.NaN;
            (int Member, double Score)? winner = null;
            foreach (var c in candidates)
            {
                if (!double.IsFinite(c.Score)) continue; // a NaN or Inf score is never best
                bool better = double.IsNaN(bestScore) || (higherIsBetter ? c.Score > bestScore : c.Score < bestScore);
                if (better) { bestScore = c.Score; winner = c; }
            }
            if (winner is { } w)
                Durable.ReplaceText(Path.Combine(Root, "best"),
                    $"member-{w.Member}/{StepName(step)}\n{w.Score.ToString("R", CultureInfo.InvariantCulture)}\n");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new CheckpointWriteException($"committing checkpoint set {StepName(step)} in {Root} failed: {e.Message}", e);
        }
        return Prune(population);
    }

    /// <summary>The best checkpoint so far: member, step and its score, or null.</summary>
    public (int Member, long Step, double Score)? ReadBest()
    {
        var path = Path.Combine(Root, "best");
        if (!File.Exists(path)) return null;
        var lines = File.ReadAllLines(path);
        if (lines.Length < 2) return null;
        var parts = lines[0].Split('/');
        if (parts.Length != 2 || !parts[0].StartsWith("member-") || !parts[1].StartsWith("step-")) return null;
        return (int.Parse(parts[0]["member-".Length..], CultureInfo.InvariantCulture),
                long.Parse(parts[1]["step-".Length..], CultureInfo.InvariantCulture),
                double.Parse(lines[1], CultureInfo.InvariantCulture));
    }

    /// <summary>The step `latest` names, or null when no set was ever committed.</summary>
    public long? ReadLatestPointer()
    {
        var path = Path.Combine(Root, "latest");
        if (!File.Exists(path)) return null;
        var text = File.ReadAllText(path).Trim();
        return text.StartsWith("step-") && long.TryParse(text[5..], NumberStyles.None, CultureInfo.InvariantCulture, out var s) ? s : null;
    }

    /// <summary>
    /// The newest step, not after `latest`, at which every member's checkpoint is complete (all files
    /// present with the sizes and hashes state.yaml records). Null when there is none.
    /// </summary>
    public long? FindLatestComplete(int population)
    {
        var latest = ReadLatestPointer();
        if (latest == null) return null;
        var steps = Directory.Exists(MemberDir(0))
            ? Directory.GetDirectories(MemberDir(0), "step-*").Select(d => ParseStep(Path.GetFileName(d))).Where(s => s != null && s <= latest).Select(s => s!.Value)
            : [];
        foreach (var s in steps.OrderDescending())
            if (Enumerable.Range(0, population).All(m => Verify(m, s) == null)) return s;
        return null;
    }

    /// <summary>Null when member <paramref name="member"/>'s checkpoint at <paramref name="step"/> is complete, else why not.</summary>
    public string? Verify(int member, long step)
    {
        var dir = StepDir(member, step);
        var statePath = Path.Combine(dir, StateFile);
        if (!File.Exists(statePath)) return $"{statePath} is missing";
        CheckpointState state;
        try { state = DeserializeState(File.ReadAllText(statePath)); }
        catch (Exception e) { return $"{statePath} is unreadable: {e.Message}"; }
        if (state.Files.Count == 0) return $"{statePath} lists no files";
        foreach (var (name, f) in state.Files)
        {
            var p = Path.Combine(dir, name);
            if (!File.Exists(p)) return $"{p} is missing";
            if (new FileInfo(p).Length != f.Bytes) return $"{p} has {new FileInfo(p).Length} bytes, state.yaml says {f.Bytes}";
            if (Durable.Sha256Hex(p) != f.Sha256) return $"{p} does not match its SHA-256 in state.yaml";
        }
        return null;
    }

    /// <summary>Reads a member checkpoint after verifying it; throws with the reason when it is incomplete.</summary>
    public (CheckpointState State, string Dir) Read(int member, long step)
    {
        var why = Verify(member, step);
        if (why != null) throw new IOException($"checkpoint member-{member}/{StepName(step)} is not complete: {why}");
        var dir = StepDir(member, step);
        return (DeserializeState(File.ReadAllText(Path.Combine(dir, StateFile))), dir);
    }

    IReadOnlyList<string> Prune(int population)
    {
        var warnings = new List<string>();
        var latest = ReadLatestPointer();
        var best = ReadBest();
        for (int m = 0; m < population; m++)
        {
            var dir = MemberDir(m);
            if (!Directory.Exists(dir)) continue;
            try
            {
                var committed = Directory.GetDirectories(dir, "step-*")
                    .Select(d => (Dir: d, Step: ParseStep(Path.GetFileName(d))))
                    .Where(x => x.Step != null && x.Step <= latest)
                    .OrderByDescending(x => x.Step).ToList();
                foreach (var (d, s) in committed.Skip(KeepLast))
                {
                    if (best is { } b && b.Member == m && b.Step == s) continue;
                    Directory.Delete(d, recursive: true);
                }
                foreach (var t in Directory.GetDirectories(dir, ".tmp-*")) Directory.Delete(t, recursive: true);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                warnings.Add($"pruning old checkpoints in {dir} failed: {e.Message}");
            }
        }
        return warnings;
    }

    static long? ParseStep(string name) =>
        name.StartsWith("step-") && name.Length == 13 && long.TryParse(name[5..], NumberStyles.None, CultureInfo.InvariantCulture, out var s) ? s : null;

    public static string SerializeState(CheckpointState state) => Yaml.Serialize(state);
    public static CheckpointState DeserializeState(string yaml) => YamlIn.Deserialize<CheckpointState>(yaml) ?? new CheckpointState();
}
