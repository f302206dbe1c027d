using XRayHpc.Cli.Doctor;
using XRayHpc.Cli.Doctor.Checks;
using XRayHpc.Cli.Doctor.Facts;

namespace XRayHpc.Training.Tests;

/// <summary>The doctor's verdicts from facts (no libtorch, MPI or filesystem needed).</summary>
public class DoctorCheckTests
{
    const string CpuConfig = "PyTorch built with:\n  - Intel(R) MKL-DNN v2.6.3 (Git Hash N/A)\n  - OpenMP 201511 (a.k.a. OpenMP 4.5)\n" +
                             "  - Build settings: BLAS_INFO=generic, TORCH_VERSION=1.13.0, USE_CUDA=OFF, USE_CUDNN=OFF, USE_MKLDNN=ON, USE_OPENMP=ON, \n";
    static readonly string CudaConfig = CpuConfig.Replace("USE_CUDA=OFF", "USE_CUDA=ON");

    static TorchFacts Torch(string config = CpuConfig, bool shimCuda = false, int devices = 0, bool mkldnn = true, bool omp = true) =>
        new("1.13.1", config, shimCuda, devices, mkldnn, omp, 2);

    static CheckResult Item(IEnumerable<CheckResult> rs, string item) => rs.Single(r => r.Item == item);

    [Fact]
    public void Libtorch_built_against_another_major_minor_than_loaded_fails_naming_both()
    {
        var ok = LibtorchCheck.Match("2.6.0", "2.6.0+cu124", "/opt/torch/lib/libtorch_cpu.so");
        Assert.Equal(CheckStatus.Ok, ok.Status);
        Assert.Contains("2.6.0+cu124", ok.Value);
        var bad = LibtorchCheck.Match("1.13.0", "2.6.0", "/opt/torch/lib/libtorch_cpu.so");
        Assert.Equal(CheckStatus.Fail, bad.Status);
        Assert.Contains("1.13.0", bad.Value);
        Assert.Contains("2.6.0", bad.Value);
        Assert.Contains("TORCH_DIR", bad.Fix);
    }

    [Fact]
    public void Libtorch_cpu_build_with_onednn_is_ok_and_names_the_versions()
    {
        var rs = LibtorchCheck.Evaluate(Torch()).ToList();
        Assert.All(rs, r => Assert.Equal(CheckStatus.Ok, r.Status));
        Assert.Contains("CPU build", Item(rs, "libtorch").Value);
        Assert.Contains("v2.6.3", Item(rs, "oneDNN").Value);
        Assert.Contains("OpenMP 4.5", Item(rs, "OpenMP").Value);
    }

    [Fact]
    public void Libtorch_cuda_shim_on_a_cpu_libtorch_fails_and_cuda_without_devices_warns()
    {
        Assert.Equal(CheckStatus.Fail, Item(LibtorchCheck.Evaluate(Torch(shimCuda: true)), "libtorch").Status);
        var noGpu = Item(LibtorchCheck.Evaluate(Torch(CudaConfig, shimCuda: true, devices: 0)), "CUDA devices");
        Assert.Equal(CheckStatus.Warn, noGpu.Status);
        Assert.Contains("--gres", noGpu.Fix);
        Assert.Equal(CheckStatus.Warn, Item(LibtorchCheck.Evaluate(Torch(CudaConfig, shimCuda: false, devices: 2)), "CUDA devices").Status);
        Assert.Equal(CheckStatus.Ok, Item(LibtorchCheck.Evaluate(Torch(CudaConfig, shimCuda: true, devices: 2)), "CUDA devices").Status);
    }

    [Fact]
    public void Libtorch_without_onednn_or_openmp_warns()
    {
        var rs = LibtorchCheck.Evaluate(Torch(mkldnn: false, omp: false)).ToList();
        Assert.Equal(CheckStatus.Warn, Item(rs, "oneDNN").Status);
        Assert.Equal(CheckStatus.Warn, Item(rs, "OpenMP").Status);
    }

    [Fact]
    public void Build_settings_are_read_by_exact_name()
    {
        Assert.Equal("OFF", LibtorchCheck.BuildSetting(CpuConfig, "USE_CUDA"));
        Assert.Equal("OFF", LibtorchCheck.BuildSetting(CpuConfig, "USE_CUDNN"));
        Assert.Null(LibtorchCheck.BuildSetting(CpuConfig, "USE_ROCM"));
    }

    [Fact]
    public void Proc_maps_yield_each_mapped_library_once()
    {
        const string maps =
            "7f00-7f10 r--p 00000000 08:01 1 /usr/lib/x86_64-linux-gnu/openblas-openmp/libblas.so.3\n" +
            "7f10-7f20 r-xp 00010000 08:01 1 /usr/lib/x86_64-linux-gnu/openblas-openmp/libblas.so.3\n" +
            "7f20-7f30 rw-p 00000000 00:00 0 \n" +
            "7f30-7f40 r--p 00000000 08:01 2 /usr/lib/x86_64-linux-gnu/libtorch_cpu.so.1.13\n" +
            "7ff0-7ff1 rw-p 00000000 00:00 0 [stack]\n" +
            "7f40-7f50 r--p 00000000 08:01 3 /tmp/x.dll\n";
        Assert.Equal(["/usr/lib/x86_64-linux-gnu/openblas-openmp/libblas.so.3", "/usr/lib/x86_64-linux-gnu/libtorch_cpu.so.1.13"],
                     ProcMaps.Libraries(maps));
    }

    [Theory]
    [InlineData("/usr/lib/x86_64-linux-gnu/openblas-openmp/libblas.so.3", CheckStatus.Ok, "OpenBLAS (OpenMP)")]
    [InlineData("/usr/lib/x86_64-linux-gnu/openblas-pthread/libblas.so.3", CheckStatus.Warn, "OpenBLAS (pthreads)")]
    [InlineData("/usr/lib/x86_64-linux-gnu/blas/libblas.so.3", CheckStatus.Fail, "reference BLAS")]
    [InlineData("/opt/intel/mkl/lib/libmkl_rt.so.2", CheckStatus.Ok, "Intel MKL")]
    public void Blas_is_judged_by_the_library_really_mapped(string path, CheckStatus expected, string kind)
    {
        var r = BlasCheck.Evaluate(["/usr/lib/x86_64-linux-gnu/libtorch_cpu.so.1.13", path]);
        Assert.Equal(expected, r.Status);
        Assert.Contains(kind, r.Value);
        if (expected == CheckStatus.Fail) Assert.Contains("update-alternatives --set libblas.so.3", r.Fix);
    }

    [Fact]
    public void No_blas_mapped_warns()
    {
        Assert.Equal(CheckStatus.Warn, BlasCheck.Evaluate(["/usr/lib/x86_64-linux-gnu/libtorch_cpu.so.1.13"]).Status);
    }

    [Fact]
    public void Allocator_tuning_off_warns_and_says_how_to_turn_it_on()
    {
        Assert.Equal(CheckStatus.Ok, AllocatorCheck.Evaluate(new AllocatorFacts(true, null, null)).Status);
        var off = AllocatorCheck.Evaluate(new AllocatorFacts(false, "0", null));
        Assert.Equal(CheckStatus.Warn, off.Status);
        Assert.Contains("unset XRAYHPC_MALLOC_TUNING", off.Fix);
        Assert.Contains("jemalloc", AllocatorCheck.Evaluate(new AllocatorFacts(true, null, "/usr/lib/libjemalloc.so.2")).Value);
    }

    static MpiFacts Mpi(string version = "Open MPI v4.1.4, package: Debian OpenMPI", string? initError = null, int world = 2,
                        (string, int)? launcher = null, string? rulesOn = "1", string? rules = "/x/ompi-allreduce-rules.conf",
                        bool readable = true, string? tune = null) =>
        new(null, version, "/usr/lib/x86_64-linux-gnu/libmpi.so.40.30.4", initError, world, launcher ?? ("OMPI_COMM_WORLD_SIZE", world),
            "OpenMPI mpirun", rulesOn, rules, readable, tune);

    [Fact]
    public void Mpi_healthy_world_and_rules_are_ok()
    {
        var rs = MpiCheck.Evaluate(Mpi()).ToList();
        Assert.All(rs, r => Assert.Equal(CheckStatus.Ok, r.Status));
        Assert.Contains("Open MPI v4.1.4", Item(rs, "MPI library").Value);
        Assert.Contains("2 rank(s)", Item(rs, "world size").Value);
    }

    [Fact]
    public void Mpi_world_size_disagreeing_with_the_launcher_fails()
    {
        Assert.Equal(CheckStatus.Fail, Item(MpiCheck.Evaluate(Mpi(world: 1, launcher: ("PMI_SIZE", 2))), "world size").Status);
        var init = Item(MpiCheck.Evaluate(Mpi(initError: "MPI world size mismatch: ...")), "world size");
        Assert.Equal(CheckStatus.Fail, init.Status);
        Assert.Contains("mismatch", init.Value);
    }

    [Fact]
    public void Mpi_rules_file_missing_fails_and_turned_off_warns_and_mpich_needs_none()
    {
        Assert.Equal(CheckStatus.Fail, Item(MpiCheck.Evaluate(Mpi(readable: false)), "collective rules").Status);
        Assert.Equal(CheckStatus.Warn, Item(MpiCheck.Evaluate(Mpi(rulesOn: null, rules: null, tune: "0")), "collective rules").Status);
        var mpich = Item(MpiCheck.Evaluate(Mpi(version: "MPICH Version: 4.0.2", rulesOn: null, rules: null)), "collective rules");
        Assert.Equal(CheckStatus.Ok, mpich.Status);
        Assert.Contains("n/a", mpich.Value);
    }

    [Fact]
    public void Mpi_that_does_not_load_is_one_fail_line()
    {
        var rs = MpiCheck.Evaluate(new MpiFacts("libmpi.so.40: cannot open", "", null, null, 1, null, "", null, null, false, null)).ToList();
        Assert.Equal(CheckStatus.Fail, Assert.Single(rs).Status);
    }

    [Fact]
    public void Launcher_is_named_from_its_variables()
    {
        Assert.StartsWith("OpenMPI mpirun", MpiCheck.LauncherName(n => n == "OMPI_COMM_WORLD_SIZE" ? "2" : null));
        Assert.StartsWith("srun", MpiCheck.LauncherName(n => n == "SLURM_PROCID" ? "0" : null));
        Assert.StartsWith("none", MpiCheck.LauncherName(_ => null));
    }

    [Fact]
    public void Slurm_job_without_cpus_per_task_warns_and_outside_slurm_is_ok()
    {
        Assert.Equal(CheckStatus.Ok, SlurmCheck.Job(_ => null).Status);
        var env = new Dictionary<string, string> { ["SLURM_JOB_ID"] = "42", ["SLURM_NTASKS"] = "4", ["SLURM_LOCALID"] = "1", ["SLURM_PROCID"] = "1" };
        var r = SlurmCheck.Job(n => env.GetValueOrDefault(n));
        Assert.Equal(CheckStatus.Warn, r.Status);
        Assert.Contains("job 42", r.Value);
        Assert.Contains("local rank 1", r.Value);
        env["SLURM_CPUS_PER_TASK"] = "8";
        Assert.Equal(CheckStatus.Ok, SlurmCheck.Job(n => env.GetValueOrDefault(n)).Status);
    }

    [Fact]
    public void Thread_plan_that_oversubscribes_the_node_or_a_ranks_binding_warns()
    {
        Assert.Equal(CheckStatus.Ok, SlurmCheck.Threads(new ThreadPlan(8, "SLURM_CPUS_PER_TASK", 4, 32, 32, null)).Status);
        var over = SlurmCheck.Threads(new ThreadPlan(4, "run.threads", 2, 4, 4, "16"));
        Assert.Equal(CheckStatus.Warn, over.Status);
        Assert.Contains("OMP_NUM_THREADS=16 is overridden", over.Value);
        // mpirun -np 2 on 2 CPUs binds each rank to one: 1 thread per rank fits, 2 do not.
        Assert.Equal(CheckStatus.Ok, SlurmCheck.Threads(new ThreadPlan(1, "cores / local ranks", 2, 1, 2, null)).Status);
        Assert.Equal(CheckStatus.Warn, SlurmCheck.Threads(new ThreadPlan(2, "run.threads", 2, 1, 2, null)).Status);
        Assert.Equal(2, SlurmCheck.LocalRanks(n => n == "OMPI_COMM_WORLD_LOCAL_SIZE" ? "2" : null));
        Assert.Equal(1, SlurmCheck.LocalRanks(_ => null));
        Assert.Equal(7, SlurmCheck.CountCpuList("0-3,8,10-11\n"));
    }

    [Fact]
    public void Run_directory_not_writable_or_nearly_full_fails()
    {
        var ok = RunDirCheck.Evaluate(new RunDirFacts("/scratch/runs/a", false, "/scratch", null, 100L << 30)).ToList();
        Assert.All(ok, r => Assert.Equal(CheckStatus.Ok, r.Status));
        Assert.Contains("not created yet", ok[0].Value);
        var ro = RunDirCheck.Evaluate(new RunDirFacts("/ro", true, "/ro", "Read-only file system", 100L << 30)).ToList();
        Assert.Equal(CheckStatus.Fail, Item(ro, "run directory").Status);
        Assert.Equal(CheckStatus.Fail, Item(RunDirCheck.Evaluate(new RunDirFacts("/d", true, "/d", null, 1L << 30)), "disk space").Status);
        Assert.Equal(CheckStatus.Warn, Item(RunDirCheck.Evaluate(new RunDirFacts("/d", true, "/d", null, 5L << 30)), "disk space").Status);
    }

    [Fact]
    public void Salt_file_readable_by_others_fails_with_chmod()
    {
        var open = SaltFileCheck.Evaluate(new SaltFacts("/h/.xrayhpc/patient-salt", true,
            UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead, null));
        Assert.Equal(CheckStatus.Fail, open.Status);
        Assert.Contains("0644", open.Value);
        Assert.Contains("chmod 600 /h/.xrayhpc/patient-salt", open.Fix);
        Assert.Equal(CheckStatus.Ok, SaltFileCheck.Evaluate(new SaltFacts("/s", true, UnixFileMode.UserRead | UnixFileMode.UserWrite, null)).Status);
        Assert.Equal(CheckStatus.Ok, SaltFileCheck.Evaluate(new SaltFacts("/s", false, null, null)).Status);
        Assert.Equal(CheckStatus.Fail, SaltFileCheck.Evaluate(new SaltFacts("/s", true, UnixFileMode.UserRead, "too short")).Status);
    }

    [Fact]
    public void Report_prints_one_block_per_node_and_per_rank_lines_only_where_ranks_differ()
    {
        CheckResult same = CheckResult.Ok("libtorch", "1.13.1"), r0 = CheckResult.Ok("Slurm", "local rank 0"), r1 = CheckResult.Ok("Slurm", "local rank 1");
        var ranks = new List<RankReport>
        {
            new(0, "n1", [same, r0]), new(1, "n1", [same, r1]),
            new(2, "n2", [same, CheckResult.Fail("run directory", "/x: not writable", "fix it")]),
        };
        var text = DoctorReport.Format(ranks);
        Assert.Contains("node n1: ranks 0-1", text);
        Assert.Contains("node n2: rank 2", text);
        Assert.Equal(2, text.Split('\n').Count(l => l.Contains("libtorch"))); // once per node
        Assert.Contains("Slurm [rank 0]", text);
        Assert.Contains("Slurm [rank 1]", text);
        Assert.Contains("fix: fix it", text);
        Assert.Contains("(0 warn, 1 fail)", text); // lines as printed: a line the node's ranks share counts once
        Assert.DoesNotContain('\u001b', text);
        Assert.Equal(1, DoctorReport.ExitCode(ranks));
        Assert.Equal(0, DoctorReport.ExitCode(ranks.Take(2)));
    }

    [Fact]
    public void Rank_lists_compress_runs()
    {
        Assert.Equal("0-3,6", DoctorReport.RankList([3, 0, 1, 2, 6]));
        Assert.Equal("5", DoctorReport.RankList([5]));
    }
}
