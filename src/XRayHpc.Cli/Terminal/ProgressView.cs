using Spectre.Console;
using XRayHpc.Training.Config;
using XRayHpc.Training.Run;

namespace XRayHpc.Cli.Terminal;

/// <summary>
/// Rank 0's progress: a Spectre.Console live table on an interactive terminal, plain lines otherwise
/// (files, job logs, whatever logging.progress says), nothing with logging.progress: off. Other ranks get a view that prints nothing.
/// </summary>
public sealed class ProgressView : ITrainingProgress
{
    readonly ProgressMode _mode;
    readonly Dictionary<int, (double Auroc, string Hp)> _members = new();
    readonly Table _table = new();
    LiveDisplayContext? _live;
    string _line = "";

    public ProgressView(ProgressMode mode, bool isRank0)
    {
        _mode = !isRank0 ? ProgressMode.Off : Resolve(mode, TerminalOutput.StdoutInteractive);
        _table.AddColumn("member").AddColumn("best val AUROC").AddColumn("hyperparameters");
    }

    /// <summary>
    /// What this process will show. A live table only ever goes to an interactive terminal (see
    /// <see cref="TerminalOutput"/>): its cursor movements and colours would turn a log file into noise, so
    /// auto and live both become plain lines elsewhere.
    /// </summary>
    public static ProgressMode Resolve(ProgressMode mode, bool interactive) => mode switch
    {
        ProgressMode.Off => ProgressMode.Off,
        ProgressMode.Plain => ProgressMode.Plain,
        _ => interactive ? ProgressMode.Live : ProgressMode.Plain,
    };

    public T Run<T>(Func<T> body)
    {
        if (_mode != ProgressMode.Live) return body();
        T result = default!;
        AnsiConsole.Live(_table).AutoClear(false).Start(ctx => { _live = ctx; result = body(); });
        _live = null;
        return result;
    }

    public void Step(int epoch, long step, long total, double imagesPerS)
    {
        _line = $"epoch {epoch} step {step}/{total} {imagesPerS:F1} img/s";
        if (_mode == ProgressMode.Live) { _table.Caption(new TableTitle(_line)); _live?.Refresh(); }
        else if (_mode == ProgressMode.Plain && (step % 10 == 0 || step == total))
            Console.WriteLine(_line);
    }

    public void Member(int member, double auroc, string hp)
    {
        double best = _members.TryGetValue(member, out var prev) && !(auroc > prev.Auroc) ? prev.Auroc : auroc;
        _members[member] = (best, hp);
        if (_mode == ProgressMode.Live)
        {
            _table.Rows.Clear();
            foreach (var (m, v) in _members.OrderBy(kv => kv.Key)) _table.AddRow(m.ToString(), v.Auroc.ToString("F4"), Markup.Escape(v.Hp));
            _live?.Refresh();
        }
    }

    /// <summary>The closing summary table (rank 0), unless logging.progress is off.</summary>
    public void Summary(string summaryJson) => SummaryTable.Print(summaryJson, _mode != ProgressMode.Off);

    public void Note(string text)
    {
        if (_mode == ProgressMode.Plain) Console.WriteLine(text);
        else if (_mode == ProgressMode.Live) { _table.Caption(new TableTitle(Markup.Escape(text))); _live?.Refresh(); }
    }
}
