using System.CommandLine;
using System.Text;
using System.Text.Json;
using XRayHpc.Cache;
using XRayHpc.Cli.Doctor;
using XRayHpc.Mpi;
using XRayHpc.Training.Config;

namespace XRayHpc.Cli.Commands;

/// <summary>
/// `xrayhpc doctor [--config exp.yaml] [--run-dir DIR] [--salt-file FILE]`: what a run on this node will use
/// (libtorch, BLAS, allocator, MPI, Slurm, threads, run directory, patient salt) and whether it is healthy, one
/// ok/warn/fail line each with the fix. Under mpirun/srun every rank checks itself and rank 0 prints one block
/// per node. Exit 0 only when no rank has a fail line. Plain text only: it is meant for job logs.
/// </summary>
public sealed class DoctorCommand : ICliCommand
{
    public int Order => 5;

    public Command Build()
    {
        var config = new Option<string?>("--config") { Description = "Experiment YAML whose run.dir and run.threads to check" };
        var runDir = new Option<string?>("--run-dir") { Description = "Run directory to check (default: the config's run.dir, else the current directory)" };
        var salt = new Option<string?>("--salt-file") { Description = "Patient-salt file to check (default: XRAYHPC_SALT_FILE or ~/.xrayhpc/patient-salt)" };
        var cmd = new Command("doctor", "Check what a run on this node will use (libtorch, BLAS, allocator, MPI, Slurm, threads, disk, salt); exit 1 on any fail.");
        foreach (var o in new Option[] { config, runDir, salt }) cmd.Options.Add(o);
        cmd.SetAction(r => Run(r.GetValue(config), r.GetValue(runDir), r.GetValue(salt)));
        return cmd;
    }

    public static int Run(string? configPath, string? runDir, string? saltFile)
    {
        ExperimentConfig cfg;
        try { cfg = configPath is null ? new ExperimentConfig() : ConfigLoader.LoadFile(configPath); }
        catch (ConfigException e)
        {
            Console.Error.WriteLine("doctor: invalid configuration:\n  " + string.Join("\n  ", e.Problems));
            return ExitCodes.BadInput;
        }
        runDir ??= configPath is null ? Directory.GetCurrentDirectory() : cfg.Run.Dir;
        saltFile ??= PatientHasher.DefaultSaltPath();

        var results = FactsGatherer.Torch();
        var (mpi, mpiFacts) = FactsGatherer.Mpi();
        using (mpi)
        {
            // A rank that throws must not leave the others waiting in the exchange: RunGuarded aborts the job.
            int Body()
            {
                results.AddRange(Doctor.Checks.MpiCheck.Evaluate(mpiFacts));
                results.AddRange(FactsGatherer.Slurm(cfg));
                int rank = mpi is null ? 0 : Communicator.world.Rank;
                results.AddRange(FactsGatherer.Storage(runDir, saltFile, rank));
                var node = mpi?.ProcessorName is { Length: > 0 } n ? n : Environment.MachineName;
                var mine = new RankReport(rank, node, results);
                var all = mpi is null || Communicator.world.Size == 1 ? [mine] : Exchange(mine);
                if (rank == 0) Console.Out.Write(DoctorReport.Format(all));
                Console.Out.Flush();
                return DoctorReport.ExitCode(all);
            }
            return mpi is null ? Body() : MpiEnvironment.RunGuarded(Body);
        }
    }

    /// <summary>Every rank gets every rank's report, so all ranks agree on the exit code.</summary>
    static List<RankReport> Exchange(RankReport mine)
    {
        var bytes = JsonSerializer.SerializeToUtf8Bytes(mine);
        return Communicator.world.Allgatherv<byte>(bytes)
            .Select(b => JsonSerializer.Deserialize<RankReport>(b) ?? throw new InvalidDataException("empty doctor report from a rank"))
            .ToList();
    }
}
