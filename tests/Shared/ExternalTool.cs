namespace XRayHpc.TestSupport;

/// <summary>
/// The one place test helpers turn an external program's name into a path (compiled into every test project by
/// tests/Directory.Build.props). Every program a test starts is listed here with the Debian package that installs
/// it; ExternalToolGuardTests asserts each of those packages is a line of env/packages.txt, and that test sources
/// start no program missing from this table. A tool that is not installed fails with the package to install,
/// instead of "No such file or directory" from deep inside a test.
/// </summary>
public static class ExternalTool
{
    /// <summary>Debian "Essential: yes" packages: on every Debian system and not removable, so env/packages.txt need not list them.</summary>
    public static readonly IReadOnlySet<string> EssentialPackages = new HashSet<string> { "coreutils", "bash", "dash", "util-linux", "bsdutils" };

    /// <summary>Tool name -> where it is looked for (absolute: exactly there; bare: on PATH) and its Debian package.</summary>
    public static readonly IReadOnlyDictionary<string, (string Location, string Package)> Tools =
        new Dictionary<string, (string, string)>
        {
            // DICOM fixtures and decoder oracles
            ["dcmconv"] = ("/usr/bin/dcmconv", "dcmtk"),
            ["dcmcjpeg"] = ("/usr/bin/dcmcjpeg", "dcmtk"),
            ["dcmdjpeg"] = ("/usr/bin/dcmdjpeg", "dcmtk"),
            ["dcmcrle"] = ("/usr/bin/dcmcrle", "dcmtk"),
            ["dcmodify"] = ("/usr/bin/dcmodify", "dcmtk"),
            ["dcmdump"] = ("/usr/bin/dcmdump", "dcmtk"),
            ["dcm2pnm"] = ("/usr/bin/dcm2pnm", "dcmtk"),
            ["gdcmconv"] = ("/usr/bin/gdcmconv", "libgdcm-tools"),
            // Debian's ImageMagick 6 exactly: a stand-in `convert` may shadow it on PATH.
            ["convert"] = ("/usr/bin/convert", "imagemagick"),
            ["identify"] = ("/usr/bin/identify", "imagemagick"),
            // The PyTorch oracle is Debian's python3 with python3-torch/torchvision, never a venv's python on PATH.
            ["python3"] = ("/usr/bin/python3", "python3-torch"),
            ["node"] = ("node", "nodejs"),
            ["npm"] = ("npm", "npm"),
            ["mpirun"] = ("mpirun", "openmpi-bin"),
            ["mpirun.mpich"] = ("mpirun.mpich", "mpich"),
            ["munged"] = ("/usr/sbin/munged", "munge"),
            ["slurmctld"] = ("/usr/sbin/slurmctld", "slurmctld"),
            ["slurmd"] = ("/usr/sbin/slurmd", "slurmd"),
            ["sbatch"] = ("sbatch", "slurm-client"),
            ["srun"] = ("srun", "slurm-client"),
            ["scontrol"] = ("scontrol", "slurm-client"),
            ["squeue"] = ("squeue", "slurm-client"),
            ["sinfo"] = ("sinfo", "slurm-client"),
            ["scancel"] = ("scancel", "slurm-client"),
            ["env"] = ("/usr/bin/env", "coreutils"),
            ["sh"] = ("/bin/sh", "dash"),
            ["id"] = ("id", "coreutils"),
            ["script"] = ("/usr/bin/script", "bsdutils"),
        };

    /// <summary>The path to start for <paramref name="tool"/> (a bare name, or an absolute path whose file name is in
    /// <see cref="Tools"/>). Throws with the package to install when it is not there.</summary>
    public static string Resolve(string tool)
    {
        var name = Path.GetFileName(tool);
        if (!Tools.TryGetValue(name, out var t))
            throw new InvalidOperationException(
                $"'{name}' is not a known external tool: add it to ExternalTool.Tools (tests/Shared/ExternalTool.cs) with its Debian package, and the package to env/packages.txt");
        var where = Path.IsPathRooted(tool) ? tool : t.Location;
        if (Path.IsPathRooted(where))
        {
            if (File.Exists(where)) return where;
        }
        else
        {
            foreach (var dir in (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':', StringSplitOptions.RemoveEmptyEntries))
            {
                var candidate = Path.Combine(dir, where);
                if (File.Exists(candidate)) return candidate;
            }
        }
        throw new InvalidOperationException(
            $"{name} is not installed ({where} not found): install {t.Package} (env/packages.txt; `make setup` installs every package listed there)");
    }

    /// <summary>Null when the tool is installed, else the sentence Resolve would throw (for skip reasons).</summary>
    public static string? MissingReason(string tool)
    {
        try { Resolve(tool); return null; }
        catch (InvalidOperationException e) { return e.Message; }
    }
}
