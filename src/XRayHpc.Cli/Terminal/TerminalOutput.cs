using Spectre.Console;
using XRayHpc.Mpi;

namespace XRayHpc.Cli.Terminal;

/// <summary>
/// Whether this process's output reaches a person's terminal, decided once at start, and what follows from it: on
/// anything else (a file, a pipe, a Slurm job log) no escape sequence may be written, whatever logging.progress says.
/// "Not redirected" is not enough: mpirun hands every rank a pseudo-terminal even when mpirun's own output goes to a
/// file (`xrayhpc reproduce > log`), and .NET then writes the terminal's keypad-mode string (ESC[?1h ESC=) while
/// Spectre.Console adds colours, all of which ended up in the log.
/// </summary>
public static class TerminalOutput
{
    static readonly string[] LauncherNames = ["mpirun", "orterun", "mpiexec", "prterun", "orted", "prted", "mpiexec.hydra", "hydra_pmi_proxy"];

    /// <summary>Standard output reaches an interactive terminal.</summary>
    public static bool StdoutInteractive { get; } = IsInteractive(Console.IsOutputRedirected, Environment.GetEnvironmentVariable, () => LauncherTarget(1));

    /// <summary>Standard error reaches an interactive terminal (progress bars of preprocess and synth go there).</summary>
    public static bool StderrInteractive { get; } = IsInteractive(Console.IsErrorRedirected, Environment.GetEnvironmentVariable, () => LauncherTarget(2));

    /// <param name="redirected">The stream is not a terminal in this process.</param>
    /// <param name="launcherTarget">Where the MPI launcher's own copy of the stream goes (/dev/pts/3, /x/log, pipe:[…]); only asked under a launcher.</param>
    public static bool IsInteractive(bool redirected, Func<string, string?> env, Func<string?> launcherTarget)
    {
        if (redirected) return false;
        var term = env("TERM");
        if (string.IsNullOrEmpty(term) || term == "dumb") return false;
        // A batch job's output is a file even when srun/mpirun give the task a pseudo-terminal; srun --pty is the exception.
        if (!string.IsNullOrEmpty(env("SLURM_JOB_ID")) && string.IsNullOrEmpty(env("SLURM_PTY_PORT"))) return false;
        bool underLauncher = LaunchEnvironment.Read(env).UnderMpiLauncher;
        if (!underLauncher) return true;
        var target = launcherTarget();
        return target is not null && (target.StartsWith("/dev/pts/", StringComparison.Ordinal) || target.StartsWith("/dev/tty", StringComparison.Ordinal));
    }

    /// <summary>
    /// Call first in Main. On a non-interactive stdout: TERM=dumb, so .NET's console (and every program we start)
    /// finds no terminal control strings, and Spectre's default console writes plain text without colours.
    /// </summary>
    public static void Configure()
    {
        if (StdoutInteractive) return;
        Environment.SetEnvironmentVariable("TERM", "dumb");
        AnsiConsole.Console = Plain(Console.Out);
    }

    /// <summary>A Spectre console for <paramref name="writer"/> that writes no escape sequence.</summary>
    public static IAnsiConsole Plain(TextWriter writer) => AnsiConsole.Create(new AnsiConsoleSettings
    {
        Ansi = AnsiSupport.No, ColorSystem = ColorSystemSupport.NoColors, Interactive = InteractionSupport.No,
        Out = new AnsiConsoleOutput(writer),
    });

    /// <summary>A Spectre console for standard error: the detected one on a terminal, a plain one otherwise.</summary>
    public static IAnsiConsole Stderr() => StderrInteractive
        ? AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(Console.Error) })
        : Plain(Console.Error);

    /// <summary>The target of file descriptor <paramref name="fd"/> of the nearest ancestor that is an MPI launcher, or null.</summary>
    static string? LauncherTarget(int fd)
    {
        try
        {
            int pid = Environment.ProcessId;
            for (int depth = 0; depth < 8 && pid > 1; depth++)
            {
                // /proc/<pid>/stat: "pid (comm) state ppid ..."; comm may hold spaces, so split after the last ')'.
                var stat = File.ReadAllText($"/proc/{pid}/stat");
                var close = stat.LastIndexOf(')');
                pid = int.Parse(stat[(close + 2)..].Split(' ')[1]);
                var comm = File.ReadAllText($"/proc/{pid}/comm").Trim();
                if (LauncherNames.Contains(comm))
                    return new FileInfo($"/proc/{pid}/fd/{fd}").LinkTarget;
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException or IndexOutOfRangeException) { }
        return null;
    }
}
