using System.Diagnostics;
using System.Globalization;

namespace XRayHpc.Cli.Commands;

/// <summary>
/// The OpenMPI `mpirun` command line the CLI's own launches use (`bench scaling`, `reproduce`), with the
/// same rules as jobs/lib/mpi.sh: each rank mapped onto as many cores as it has torch threads and bound
/// to them, because unbound ranks and their OpenMP threads migrate onto each other's cores. Only when the
/// ranks need more cores than the machine has (4 ranks on the 2-core CI machine) are they left unbound,
/// and only as root or under CI does OpenMPI get its run-as-root and oversubscribe permissions.
/// </summary>
internal static class MpiLauncher
{
    /// <summary>The `--launcher` value that selects <see cref="Default"/>.</summary>
    public const string Auto = "auto";

    public static List<string> Default(int ranks, int threads)
    {
        string n = ranks.ToString(CultureInfo.InvariantCulture), t = threads.ToString(CultureInfo.InvariantCulture);
        return (long)ranks * threads <= Environment.ProcessorCount
            ? ["mpirun", "-np", n, "--map-by", $"slot:PE={t}", "--bind-to", "core"]
            : ["mpirun", "-np", n, "--bind-to", "none"];
    }

    /// <summary>A user's template: {n} = ranks, {t} = threads per rank; split on spaces.</summary>
    public static List<string> FromTemplate(string template, int ranks, int threads) =>
        template == Auto ? Default(ranks, threads)
        : [.. template.Replace("{n}", ranks.ToString(CultureInfo.InvariantCulture)).Replace("{t}", threads.ToString(CultureInfo.InvariantCulture))
            .Split(' ', StringSplitOptions.RemoveEmptyEntries)];

    /// <summary>Root (Debian's OpenMPI refuses it unless told) or CI (fewer cores than ranks).</summary>
    public static bool RootOrCi =>
        Environment.UserName == "root" || !string.IsNullOrEmpty(Environment.GetEnvironmentVariable("CI"));

    public static void AddEnvironment(ProcessStartInfo psi, int threads)
    {
        if (RootOrCi)
        {
            psi.Environment["OMPI_ALLOW_RUN_AS_ROOT"] = "1";
            psi.Environment["OMPI_ALLOW_RUN_AS_ROOT_CONFIRM"] = "1";
            psi.Environment["OMPI_MCA_rmaps_base_oversubscribe"] = "1";
        }
        psi.Environment["OMP_NUM_THREADS"] = threads.ToString(CultureInfo.InvariantCulture);
    }
}
