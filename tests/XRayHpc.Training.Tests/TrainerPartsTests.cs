using XRayHpc.Cli.Terminal;
using XRayHpc.Determinism;
using XRayHpc.Training.Config;
using XRayHpc.Training.Run;
using XRayHpc.Training.Train;
using XRayHpc.Tuning;

namespace XRayHpc.Training.Tests;

public class TrainerPartsTests
{
    [Fact]
    public void Population_SplitsRanksIntoContiguousMembers()
    {
        var p = Population.Create(4, 2);
        Assert.Equal([0, 0, 1, 1], Enumerable.Range(0, 4).Select(p.MemberOf));
        Assert.Equal(2, p.RootOf(1));
        Assert.Equal([0, 1, 0, 1], Enumerable.Range(0, 4).Select(p.MemberRank));
        var e = Assert.Throws<ArgumentException>(() => Population.Create(3, 2));
        Assert.Contains("not a multiple", e.Message);
    }

    [Theory]
    // mpirun hands ranks a pseudo-terminal even when its own output goes to a file or a batch job's log, so the
    // environment and the launcher's own stdout decide; no mode puts a live table (escape sequences) into a file.
    [InlineData("auto", false, "TERM=xterm", null, "live")]
    [InlineData("auto", true, "TERM=xterm", null, "plain")]
    [InlineData("auto", false, "TERM=xterm SLURM_JOB_ID=12", null, "plain")]
    [InlineData("auto", false, "TERM=xterm SLURM_JOB_ID=12 SLURM_PTY_PORT=4000", null, "live")]
    [InlineData("auto", false, "TERM=dumb", null, "plain")]
    [InlineData("auto", false, "", null, "plain")]
    [InlineData("auto", false, "TERM=xterm OMPI_COMM_WORLD_SIZE=2", "/work/run.log", "plain")]
    [InlineData("auto", false, "TERM=xterm OMPI_COMM_WORLD_SIZE=2", "/dev/pts/3", "live")]
    [InlineData("auto", false, "TERM=xterm PMI_SIZE=2", null, "plain")]
    [InlineData("live", false, "TERM=xterm SLURM_JOB_ID=12", null, "plain")]
    [InlineData("live", true, "TERM=xterm", null, "plain")]
    [InlineData("plain", false, "TERM=xterm", null, "plain")]
    [InlineData("off", false, "TERM=xterm", null, "off")]
    public void Progress_IsLiveOnlyOnAnInteractiveTerminal(string mode, bool redirected, string env, string? launcherStdout, string expected)
    {
        var vars = env.Split(' ', StringSplitOptions.RemoveEmptyEntries).Select(kv => kv.Split('=')).ToDictionary(kv => kv[0], kv => kv[1]);
        bool interactive = TerminalOutput.IsInteractive(redirected, k => vars.GetValueOrDefault(k), () => launcherStdout);
        var resolved = ProgressView.Resolve(Enum.Parse<ProgressMode>(mode, true), interactive);
        Assert.Equal(Enum.Parse<ProgressMode>(expected, true), resolved);
    }

    [Fact]
    public void Seeds_DifferByPurposeAndMember_AndAreStable()
    {
        Assert.Equal(Seeds.For(1, "data", 0), Seeds.For(1, "data", 0));
        Assert.NotEqual(Seeds.For(1, "data", 0), Seeds.For(1, "data", 1));
        Assert.NotEqual(Seeds.For(1, "data", 0), Seeds.For(1, "init", 0));
        Assert.NotEqual(Seeds.For(1, "data", 0), Seeds.For(2, "data", 0));
        Assert.True(Seeds.For(-7, "x") >= 0);
    }

    [Fact]
    public void LrSchedule_WarmupCosineStepOnecycle()
    {
        var cos = new LrSchedule(new ScheduleConfig { Name = ScheduleKind.Cosine, WarmupSteps = 10 }, 110);
        Assert.Equal(0.1 * 1 / 10, cos.At(0.1, 0), 12);
        Assert.Equal(0.1, cos.At(0.1, 10), 12);
        Assert.Equal(0.05, cos.At(0.1, 60), 12);
        Assert.Equal(0.0, cos.At(0.1, 110), 12);
        var step = new LrSchedule(new ScheduleConfig { Name = ScheduleKind.Step, StepSize = 5, Gamma = 0.5 }, 100);
        Assert.Equal(0.1, step.At(0.1, 4), 12);
        Assert.Equal(0.05, step.At(0.1, 5), 12);
        var one = new LrSchedule(new ScheduleConfig { Name = ScheduleKind.Onecycle }, 100);
        Assert.Equal(0.1 / 25, one.At(0.1, 0), 12);
        Assert.Equal(0.1, one.At(0.1, 30), 12);
        Assert.True(one.At(0.1, 99) < 0.1 / 25);
        // Perturbing the base lr scales the whole schedule: what PBT's explore relies on.
        Assert.Equal(cos.At(0.1, 37) * 1.2, cos.At(0.12, 37), 12);
    }

    [Fact]
    public void LrSchedule_ForTrial_StartsANewTrialsScheduleAtItsStart()
    {
        var cfg = new ExperimentConfig { Schedule = new ScheduleConfig { Name = ScheduleKind.Cosine, WarmupSteps = 10 } };
        var run = new LrSchedule(cfg.Schedule, 240);
        // No restart (PBT, none, a first trial): exactly the run's schedule.
        foreach (var kind in new[] { TunerKind.None, TunerKind.Pbt, TunerKind.Random })
        {
            cfg.Tuner = new TunerConfig { Kind = kind, ReadySteps = 30 };
            for (long s = 0; s < 240; s += 7) Assert.Equal(run.At(0.1, s), LrSchedule.ForTrial(cfg, 240, 0).At(0.1, s));
        }
        // ASHA, trials of 4 x 30 steps: a trial begun at step 200 warms up again and anneals over what is left (40 steps),
        // one begun at step 60 over a whole trial (120 steps); the run's schedule would have been in its tail.
        cfg.Tuner = new TunerConfig { Kind = TunerKind.Asha, ReadySteps = 30, MaxRounds = 4 };
        Assert.Equal(120, LrSchedule.ForTrial(cfg, 240, 60).TotalSteps);
        Assert.Equal(40, LrSchedule.ForTrial(cfg, 240, 200).TotalSteps);
        Assert.Equal(0.1 / 10, LrSchedule.ForTrial(cfg, 240, 200).At(0.1, 0), 12);
        Assert.Equal(0.1, LrSchedule.ForTrial(cfg, 240, 60).At(0.1, 10), 12);
        Assert.True(run.At(0.1, 200) < 0.01);
        // Random search restarts a diverged member for the rest of the run.
        cfg.Tuner = new TunerConfig { Kind = TunerKind.Random, ReadySteps = 30, MaxRounds = 4 };
        Assert.Equal(180, LrSchedule.ForTrial(cfg, 240, 60).TotalSteps);
    }

    [Fact]
    public void JsonLines_TruncateAfter_DropsLaterStepsAndTornLines()
    {
        var path = Path.GetTempFileName();
        try
        {
            var f = new JsonLinesFile(path);
            f.Append([RunJson.Line(new MetricsRecord { Member = 0, Step = 6 }), RunJson.Line(new MetricsRecord { Member = 0, Step = 12 })]);
            File.AppendAllText(path, "{\"member\":0,\"st"); // torn by a kill
            f.TruncateAfter(6);
            var lines = File.ReadAllLines(path);
            Assert.Single(lines);
            Assert.Equal(6, RunJson.Parse<MetricsRecord>(lines[0]).Step);
        }
        finally { File.Delete(path); }
    }

    [Fact]
    public void Replay_ReadsOneMembersHyperparameterSchedule()
    {
        var path = Path.GetTempFileName();
        try
        {
            var hp = (double lr) => new Dictionary<string, double> { ["lr"] = lr };
            new JsonLinesFile(path).Append([
                RunJson.Line(new LineageLine { Step = 0, Target = 0, Kind = "initial", New = hp(0.1) }),
                RunJson.Line(new LineageLine { Step = 0, Target = 1, Kind = "initial", New = hp(0.2) }),
                RunJson.Line(new LineageLine { Round = 1, Step = 6, Target = 1, Source = 0, Kind = "exploit", Old = hp(0.2), New = hp(0.08) }),
                RunJson.Line(new LineageLine { Round = 2, Step = 12, Target = 0, Source = 1, Kind = "exploit", Old = hp(0.1), New = hp(0.096) }),
            ]);
            var s = ReplaySchedule.Load(path, 1);
            Assert.Equal(0.2, s.Initial["lr"]);
            Assert.Equal(0.08, s.ChangeAt(6)!["lr"]);
            Assert.Null(s.ChangeAt(12));
            Assert.Throws<FormatException>(() => ReplaySchedule.Load(path, 5));
        }
        finally { File.Delete(path); }
    }

    [Fact]
    public void ThreadCount_PrefersConfig_ThenSlurm()
    {
        var c = new ExperimentConfig { Run = { Threads = 3 } };
        Assert.Equal(3, Trainer.ThreadCount(c));
        var old = Environment.GetEnvironmentVariable("SLURM_CPUS_PER_TASK");
        try
        {
            Environment.SetEnvironmentVariable("SLURM_CPUS_PER_TASK", "5");
            Assert.Equal(5, Trainer.ThreadCount(new ExperimentConfig()));
        }
        finally { Environment.SetEnvironmentVariable("SLURM_CPUS_PER_TASK", old); }
    }
}
