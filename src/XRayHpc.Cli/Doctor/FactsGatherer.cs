using System.Runtime.InteropServices;
using XRayHpc.Cache;
using XRayHpc.Cli.Doctor.Checks;
using XRayHpc.Cli.Doctor.Facts;
using XRayHpc.Mpi;
using XRayHpc.Torch;
using XRayHpc.Training.Config;
using XRayHpc.Training.Train;

namespace XRayHpc.Cli.Doctor;

/// <summary>
/// Collects this rank's facts from the process (libtorch, /proc/self/maps, the C environment, the filesystem) and runs
/// the checks on them. Every probe is guarded: a library that does not load becomes a fail line, never a crash.
/// </summary>
public static class FactsGatherer
{
    public static List<CheckResult> Torch()
    {
        try
        {
            // Read through the shim's own compat exports before any tensor call: a built/loaded mismatch makes the
            // first tensor call refuse to start, and doctor should say why instead.
            var match = LibtorchCheck.Match(TorchBuild.Built, TorchBuild.Loaded, TorchBuild.LibraryPath);
            if (match.Status == CheckStatus.Fail) return [match];
            var facts = new TorchFacts(torch.version, RuntimeInfo.BuildConfig, torch.built_with_cuda, torch.cuda.device_count(),
                                       RuntimeInfo.MkldnnEnabled, RuntimeInfo.HasOpenMP, torch.get_num_threads());
            var results = LibtorchCheck.Evaluate(facts).Prepend(match).ToList();
            // After libtorch is loaded its BLAS is mapped, so the maps show what matmul really calls.
            results.Add(BlasCheck.Evaluate(ProcMaps.OfThisProcess()));
            results.Add(AllocatorCheck.Evaluate(new AllocatorFacts(torch.malloc_tuning_active,
                Environment.GetEnvironmentVariable("XRAYHPC_MALLOC_TUNING"), Environment.GetEnvironmentVariable("LD_PRELOAD"))));
            return results;
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException or TorchException or BadImageFormatException or TypeInitializationException)
        {
            return [CheckResult.Fail("libtorch", $"could not be loaded: {e.Message}",
                "`make build` (libtorch-dev and libopenblas0-openmp come from env/packages.txt via env/setup.sh)")];
        }
    }

    /// <summary>Initialises MPI (or records why it could not) and reads what it used. The caller disposes the environment.</summary>
    public static (MpiEnvironment? Env, MpiFacts Facts) Mpi()
    {
        string version;
        try { version = MpiLibrary.Version(); }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException or BadImageFormatException)
        {
            return (null, new MpiFacts(e.Message, "", null, null, 1, null, "", null, null, false, null));
        }
        MpiEnvironment? env = null;
        string? initError = null;
        try { env = new MpiEnvironment(); }
        catch (MpiException e) { initError = e.Message; }
        int size = env is null ? 1 : Communicator.world.Size;
        var libPath = ProcMaps.OfThisProcess().FirstOrDefault(p => Path.GetFileName(p) is var n
            && (n.StartsWith("libmpi.so", StringComparison.Ordinal) || n.StartsWith("libmpich.so", StringComparison.Ordinal)));
        // MpiEnvironment sets the rules variables with C setenv, which .NET's own environment copy does not see.
        var rulesFile = CGetenv("OMPI_MCA_coll_tuned_dynamic_rules_filename");
        bool readable = rulesFile is not null && File.Exists(rulesFile) && CanRead(rulesFile);
        var launcher = LauncherWorld.Expected();
        var facts = new MpiFacts(null, version, libPath, initError, size, launcher, MpiCheck.LauncherName(Environment.GetEnvironmentVariable),
                                 CGetenv("OMPI_MCA_coll_tuned_use_dynamic_rules"), rulesFile, readable,
                                 Environment.GetEnvironmentVariable(MpiEnvironment.TuneVariable));
        return (env, facts);
    }

    public static List<CheckResult> Slurm(ExperimentConfig cfg)
    {
        Func<string, string?> env = Environment.GetEnvironmentVariable;
        string source = cfg.Run.Threads > 0 ? "run.threads"
            : LaunchEnvironment.Read(env).CpusPerTask is not null ? "SLURM_CPUS_PER_TASK" : "cores / local ranks";
        var plan = new ThreadPlan(Trainer.ThreadCount(cfg), source, SlurmCheck.LocalRanks(env), Environment.ProcessorCount, OnlineCpus(), env("OMP_NUM_THREADS"));
        return [SlurmCheck.Job(env), SlurmCheck.Threads(plan)];
    }

    public static List<CheckResult> Storage(string runDir, string saltFile, int rank)
    {
        var results = RunDirCheck.Evaluate(RunDir(runDir, rank)).ToList();
        results.Add(SaltFileCheck.Evaluate(Salt(saltFile)));
        return results;
    }

    /// <summary>CPUs online on the node ("0-63,128-191" in /sys), whatever this process is bound to.</summary>
    static int OnlineCpus()
    {
        try { return SlurmCheck.CountCpuList(File.ReadAllText("/sys/devices/system/cpu/online")); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException) { return Environment.ProcessorCount; }
    }

    static RunDirFacts RunDir(string runDir, int rank)
    {
        var full = Path.GetFullPath(runDir);
        bool exists = Directory.Exists(full);
        var probe = full;
        while (!Directory.Exists(probe)) probe = Path.GetDirectoryName(probe) ?? "/";
        string? error = null;
        // Writing is the only honest test: mode bits do not tell about root squash, ACLs or read-only mounts.
        var file = Path.Combine(probe, $".xrayhpc-doctor-{Environment.ProcessId}-{rank}");
        try
        {
            using (new FileStream(file, FileMode.CreateNew, FileAccess.Write)) { }
            File.Delete(file);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { error = e.Message; }
        long free;
        try { free = new DriveInfo(probe).AvailableFreeSpace; }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException) { free = -1; }
        return new RunDirFacts(full, exists, probe, error, free);
    }

    static SaltFacts Salt(string path)
    {
        path = Path.GetFullPath(path);
        if (!File.Exists(path)) return new SaltFacts(path, false, null, null);
        UnixFileMode? mode = OperatingSystem.IsWindows() ? null : File.GetUnixFileMode(path);
        string? error = null;
        try { PatientHasher.FromSaltFile(path); } // an existing file is only read
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or InvalidDataException or ArgumentException) { error = e.Message; }
        return new SaltFacts(path, true, mode, error);
    }

    static bool CanRead(string path)
    {
        try { using var _ = File.OpenRead(path); return true; }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { return false; }
    }

    static string? CGetenv(string name) => Marshal.PtrToStringUTF8(getenv(name));

    [DllImport("libc", CharSet = CharSet.Ansi)] static extern IntPtr getenv(string name);
}
