using XRayHpc.Cache;
using XRayHpc.Checkpoint;
using XRayHpc.Mpi;
using XRayHpc.Torch;
using XRayHpc.Training.Config;
using XRayHpc.Training.Metrics;
using XRayHpc.Training.Run;

namespace XRayHpc.Training.Train;

/// <summary>
/// `evaluate` / `predict`: a trained run's checkpoint (best, latest or member-i/step-N) scored on a split of a
/// cache. Works on one process or data-parallel under mpirun (scores are gathered like in training).
/// </summary>
public sealed class Inference : IDisposable
{
    public ExperimentConfig Config { get; }
    public string CheckpointDir { get; }
    public int Member { get; }
    readonly MemberModel _model;
    readonly Evaluator _evaluator;
    readonly CacheManifest _manifest;
    readonly bool _multiClass;

    public Inference(string runDir, string which, string? cacheOverride, Communicator comm)
        : this(RunCheckpoint(runDir, which, cacheOverride), comm) { }

    /// <summary>A model package (<see cref="Package.ModelPackage"/>): its own config and weights.</summary>
    public Inference(Package.ModelPackage package, string? cacheOverride, Communicator comm)
        : this((package.LoadConfig(cacheOverride), package.Dir, package.Manifest.Provenance.Member), comm) { }

    Inference((ExperimentConfig Config, string WeightsDir, int Member) source, Communicator comm)
    {
        (Config, CheckpointDir, Member) = source;
        torch.set_num_threads(Trainer.ThreadCount(Config));
        _manifest = CacheManifest.Load(Config.Data.Cache);
        _multiClass = Config.Data.Task == TaskKind.Multiclass;
        _model = new MemberModel(Config, _manifest.ClassNames.Count, 0, new Dictionary<string, double>(), initFromFile: false);
        var (weights, _) = Safetensors.Load(Path.Combine(CheckpointDir, "model.safetensors"));
        using (torch.no_grad()) _model.Net.load_state_dict(weights);
        foreach (var t in weights.Values) t.Dispose();
        Tensor? posWeight = !_multiClass && Config.Data.PosWeight
            ? torch.tensor(XRayHpc.Loader.LabelStats.PosWeight(Config.Data.Cache, "train"), [_manifest.ClassNames.Count]) : null;
        _evaluator = new Evaluator(Config, comm, _multiClass, posWeight);
    }

    static (ExperimentConfig, string, int) RunCheckpoint(string runDir, string which, string? cacheOverride)
    {
        var ckpt = CheckpointRef.Resolve(runDir, which, cacheOverride);
        return (ckpt.Config, ckpt.Dir, ckpt.Member);
    }

    /// <summary>The pixel normalisation the model sees: (mean, std) on the 0..1 scale.</summary>
    public (double Mean, double Std) PixelNormalization => Normalization.Of(Config.Data) ?? (_manifest.PixelMean, _manifest.PixelStd);
    public int ImageSize => _manifest.ImageSize;

    /// <summary>Per-class thresholds chosen on this split's scores (Youden's J), as training records them.</summary>
    public double[] ChooseThresholds(SplitScores s) => ClassificationMetrics.ChooseThresholds(s.Scores, s.Labels, s.Mask, _manifest.ClassNames.Count);


    public IReadOnlyList<string> ClassNames => _manifest.ClassNames;

    public (SplitScores Scores, ClassificationReport Report) Evaluate(string split)
    {
        var s = _evaluator.Run(_model, split);
        return (s, ClassificationMetrics.Compute(s.Scores, s.Labels, s.Mask, _manifest.ClassNames, _multiClass));
    }

    public void Dispose() => _model.Dispose();
}
