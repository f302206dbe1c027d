using System.Security.Cryptography;
using System.Text;
using XRayHpc.Models;
using XRayHpc.Torch;
using XRayHpc.Training.Config;
using nn = XRayHpc.Torch.nn;
using optim = XRayHpc.Torch.optim;

namespace XRayHpc.Training.Train;

/// <summary>
/// One member's network and optimizer on this rank, plus the flat "state blob" (weights + optimizer state)
/// used both for PBT exploit (sent over MPI) and for checksums that prove a copy is exact.
/// </summary>
public sealed class MemberModel : IDisposable
{
    public nn.Module<Tensor, Tensor> Net { get; }
    public optim.Optimizer Optimizer { get; private set; }
    /// <summary>What model.init did, key by key (null without model.init.from or when weights come from a checkpoint).</summary>
    public XRayHpc.Models.InitReport? InitReport { get; }
    public Freezing Freezing { get; }
    /// <summary>Where the network, its optimizer state and its batches live (the CPU unless the trainer chose a GPU).</summary>
    public Device Device { get; }
    readonly ExperimentConfig _config;
    optim.ParamGroup? _headGroup; // its lr is lr x optimizer.head_lr_scale
    /// <summary>The member's architecture (its tuned `model`, else model.name).</summary>
    public string Architecture { get; }
    /// <summary>The member's optimizer (its tuned `optimizer`, else optimizer.name).</summary>
    public OptimizerKind OptimizerKind { get; private set; }

    /// <param name="initFromFile">false when a checkpoint's weights replace the initial ones anyway (evaluate, predict)</param>
    /// <param name="device">the trainer's device (TrainDevice); null = the CPU</param>
    /// <param name="names">the member's categorical hyperparameters (model, optimizer); null or empty: the config's</param>
    public MemberModel(ExperimentConfig config, int classes, long initSeed, IReadOnlyDictionary<string, double> hp, bool initFromFile = true,
                       Device? device = null, IReadOnlyDictionary<string, string>? names = null)
    {
        _config = config;
        Device = device ?? Device.CPU;
        Architecture = HyperparameterSets.ModelOf(config, names);
        torch.manual_seed(initSeed);
        Net = ModelZoo.Create(Architecture, classes, config.Model.InChannels);
        if (initFromFile && config.Model.Init.From.Length > 0)
            InitReport = XRayHpc.Models.Pretrained.Load(Net, config.Model.Init.From, config.Model.Init.Strict);
        Freezing = Freezing.Apply(Net, config.Model.Freeze, Architecture);
        Freezing.TrainMode(Net);
        if (config.Precision.ChannelsLast) Net.to(MemoryFormat.ChannelsLast);
        // Weights are made (seeded) and loaded on the CPU, then moved, before the optimizer allocates its state
        // next to them: the same initial weights on any device.
        if (Device.type != DeviceType.CPU) Net.to(Device);
        Optimizer = NewOptimizer(HyperparameterSets.OptimizerOf(config, names));
        Apply(hp, lr: hp.TryGetValue("lr", out var lr) ? lr : config.Optimizer.Lr);
    }

    /// <summary>
    /// PBT exploit onto another optimizer: a fresh <paramref name="kind"/> optimizer over the same parameters (no
    /// state: moments of another algorithm do not carry over), its lr, momentum/beta1 and weight decay from
    /// <paramref name="hp"/> and the config's other settings.
    /// </summary>
    public void RebuildOptimizer(OptimizerKind kind, IReadOnlyDictionary<string, double> hp)
    {
        Optimizer = NewOptimizer(kind);
        Apply(hp, lr: hp.TryGetValue("lr", out var lr) ? lr : _config.Optimizer.Lr);
    }

    optim.Optimizer NewOptimizer(OptimizerKind kind)
    {
        OptimizerKind = kind;
        var o = _config.Optimizer;
        // Only trainable parameters enter the optimizer (frozen ones get no state); the head gets its own group
        // when its learning rate is scaled.
        var head = Freezing.HeadPrefix(Architecture);
        var trainable = Net.named_parameters().Where(x => x.parameter.requires_grad).ToList();
        bool split = o.HeadLrScale != 1 && trainable.Any(x => !x.name.StartsWith(head, StringComparison.Ordinal));
        var first = (split ? trainable.Where(x => !x.name.StartsWith(head, StringComparison.Ordinal)) : trainable).Select(x => x.parameter).ToList();
        _headGroup = null;
        optim.Optimizer optimizer = kind switch
        {
            OptimizerKind.Sgd => new optim.SGD(first, o.Lr, o.Momentum, 0, o.WeightDecay, o.Nesterov),
            OptimizerKind.Adam => new optim.Adam(first, o.Lr, (o.Beta1, o.Beta2), o.Eps, o.WeightDecay),
            _ => new optim.AdamW(first, o.Lr, (o.Beta1, o.Beta2), o.Eps, o.WeightDecay),
        };
        if (split)
        {
            var g0 = optimizer.ParamGroups[0];
            _headGroup = new optim.ParamGroup(trainable.Where(x => x.name.StartsWith(head, StringComparison.Ordinal)).Select(x => x.parameter))
            {
                LearningRate = g0.LearningRate, Momentum = g0.Momentum, Dampening = g0.Dampening, Nesterov = g0.Nesterov,
                Betas = g0.Betas, Eps = g0.Eps, WeightDecay = g0.WeightDecay, Maximize = g0.Maximize,
            };
            optimizer.add_param_group(_headGroup);
        }
        return optimizer;
    }

    /// <summary>Training mode for the trainable stages; frozen stages' BatchNorm layers stay in eval mode.</summary>
    public void TrainMode() => Freezing.TrainMode(Net);

    /// <summary>Sets lr (already scheduled; the head group's scaled), momentum and weight decay on every parameter group.</summary>
    public void Apply(IReadOnlyDictionary<string, double> hp, double lr)
    {
        foreach (var g in Optimizer.ParamGroups)
        {
            g.LearningRate = ReferenceEquals(g, _headGroup) ? lr * _config.Optimizer.HeadLrScale : lr;
            if (hp.TryGetValue("weight_decay", out var wd)) g.WeightDecay = wd;
            if (hp.TryGetValue("momentum", out var m))
            {
                if (OptimizerKind == OptimizerKind.Sgd) g.Momentum = m;
                else g.Betas = (m, g.Betas.Item2); // for Adam(W) "momentum" tunes beta1
            }
        }
    }

    public Dictionary<string, Tensor> ModelState() => Net.state_dict();
    public Dictionary<string, Tensor> OptimizerState() => Optimizer.state_tensors();

    // ---- state blob: "m:<name>" / "o:<name>" tensors in ordinal name order ----------------------------

    /// <summary>Header (names, dtypes, shapes) and the concatenated raw bytes of weights + optimizer state.</summary>
    public (string Header, byte[] Bytes) SaveBlob()
    {
        // The optimizer hands out copies of its state: the scope frees them here rather than in the GC.
        using var scope = torch.NewDisposeScope();
        var (header, entries) = BlobLayout();
        var bytes = GC.AllocateUninitializedArray<byte>(checked((int)entries.Sum(e => e.Bytes)));
        long offset = 0;
        foreach (var (t, n) in entries)
        {
            t.CopyBytesTo(bytes.AsSpan((int)offset, (int)n));
            offset += n;
        }
        return (header, bytes);
    }

    /// <summary>The blob's header and its tensors in blob order, with their sizes in bytes.</summary>
    (string Header, List<(Tensor Tensor, long Bytes)> Entries) BlobLayout()
    {
        var entries = ModelState().Select(kv => ("m:" + kv.Key, kv.Value))
            .Concat(OptimizerState().Select(kv => ("o:" + kv.Key, kv.Value)))
            .OrderBy(e => e.Item1, StringComparer.Ordinal).ToList();
        var header = new StringBuilder();
        var sized = new List<(Tensor, long)>(entries.Count);
        foreach (var (name, t) in entries)
        {
            long n = t.numel() * t.element_size();
            header.Append(name).Append('\t').Append((int)t.dtype).Append('\t').Append(string.Join(',', t.shape)).Append('\t').Append(n).Append('\n');
            sized.Add((t, n));
        }
        return (header.ToString(), sized);
    }

    public void LoadBlob(string header, byte[] bytes)
    {
        var model = new Dictionary<string, Tensor>();
        var opt = new Dictionary<string, Tensor>();
        int offset = 0;
        try
        {
            foreach (var line in header.Split('\n', StringSplitOptions.RemoveEmptyEntries))
            {
                var f = line.Split('\t');
                var shape = f[2].Length == 0 ? Array.Empty<long>() : f[2].Split(',').Select(long.Parse).ToArray();
                int len = int.Parse(f[3]);
                var t = torch.from_bytes(bytes.AsSpan(offset, len), (ScalarType)int.Parse(f[1]), shape);
                offset += len;
                (f[0].StartsWith("m:") ? model : opt)[f[0][2..]] = t;
            }
            using (torch.no_grad()) Net.load_state_dict(model);
            Optimizer.load_state_tensors(opt);
        }
        finally
        {
            foreach (var t in model.Values.Concat(opt.Values)) t.Dispose();
        }
    }

    /// <summary>First 16 hex digits of SHA-256 over the state blob: equal iff weights and optimizer state are bit-equal.
    /// Hashes tensor by tensor through one reused buffer (the same bytes as <see cref="Checksum(string, byte[])"/>
    /// of <see cref="SaveBlob"/>), since every evaluation records a checksum.</summary>
    public string Checksum()
    {
        using var scope = torch.NewDisposeScope();
        var (header, entries) = BlobLayout();
        using var sha = HashStartingWith(header);
        var buffer = System.Buffers.ArrayPool<byte>.Shared.Rent((int)entries.Select(e => e.Bytes).DefaultIfEmpty(0).Max());
        try
        {
            foreach (var (t, n) in entries)
            {
                t.CopyBytesTo(buffer.AsSpan(0, (int)n));
                sha.AppendData(buffer, 0, (int)n);
            }
        }
        finally { System.Buffers.ArrayPool<byte>.Shared.Return(buffer); }
        return Digest(sha);
    }

    public static string Checksum(string header, byte[] bytes)
    {
        using var sha = HashStartingWith(header);
        sha.AppendData(bytes);
        return Digest(sha);
    }

    // Both checksums hash the header, then the tensors' bytes in blob order, so a sent blob and the model
    // that loaded it compare equal.
    static IncrementalHash HashStartingWith(string header)
    {
        var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        sha.AppendData(Encoding.UTF8.GetBytes(header));
        return sha;
    }

    static string Digest(IncrementalHash sha) => Convert.ToHexStringLower(sha.GetHashAndReset())[..16];

    public void Dispose()
    {
        Net.Dispose();
    }
}
