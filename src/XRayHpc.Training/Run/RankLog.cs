using NLog;
using NLog.Config;
using NLog.Targets;

namespace XRayHpc.Training.Run;

/// <summary>NLog set up per rank: &lt;run&gt;/logs/rank-&lt;r&gt;.log; errors also go to stderr (every rank) so a failing rank is visible.</summary>
public static class RankLog
{
    public static Logger Configure(RunLayout layout, int rank, string level)
    {
        Directory.CreateDirectory(layout.Logs);
        var cfg = new LoggingConfiguration();
        var file = new FileTarget("rank")
        {
            FileName = layout.RankLog(rank),
            Layout = "${longdate} ${level:uppercase=true:padding=-5} rank " + rank + " ${message}${onexception:${newline}${exception:format=tostring}}",
            KeepFileOpen = true,
            AutoFlush = true,
        };
        var err = new ConsoleTarget("stderr") { StdErr = true, Layout = "[rank " + rank + "] ${level:uppercase=true}: ${message}" };
        cfg.AddRule(LogLevel.FromString(level == "warn" ? "Warn" : level), LogLevel.Fatal, file);
        cfg.AddRule(LogLevel.Error, LogLevel.Fatal, err);
        LogManager.Configuration = cfg;
        return LogManager.GetLogger("xrayhpc.train");
    }
}
