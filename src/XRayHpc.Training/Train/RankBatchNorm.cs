using XRayHpc.Torch;
using nn = XRayHpc.Torch.nn;

namespace XRayHpc.Training.Train;

/// <summary>
/// The BatchNorm running statistics of a member's ranks, as a checkpoint needs them without touching the live
/// model. Between evaluations each rank's statistics drift apart (each sees its own batches); averaging them into
/// the live model only for a checkpoint (as a signal checkpoint mid-interval did) changes the run, so a resumed
/// run could never equal an uninterrupted one. Instead the checkpoint stores the average in model.safetensors
/// (what evaluate, predict and a fresh start load) and every rank's own statistics beside it, which a resume
/// with the same rank count puts back exactly.
/// </summary>
public static class RankBatchNorm
{
    public const string FileName = "batchnorm_ranks.safetensors";

    static List<(string Name, Tensor Buffer)> Stats(nn.Module<Tensor, Tensor> net) =>
        net.named_buffers().Where(x => x.name.EndsWith("running_mean") || x.name.EndsWith("running_var")).ToList();

    /// <summary>This rank's statistics, flat, as doubles (exact for float32 buffers).</summary>
    public static double[] Capture(nn.Module<Tensor, Tensor> net)
    {
        var stats = Stats(net);
        var flat = new double[stats.Sum(s => s.Buffer.numel())];
        int offset = 0;
        foreach (var (_, b) in stats)
        {
            int n = (int)b.numel();
            b.CopyTo<double>(flat.AsSpan(offset, n));
            offset += n;
        }
        return flat;
    }

    /// <summary>Writes a captured vector back into this rank's buffers.</summary>
    public static void Restore(nn.Module<Tensor, Tensor> net, ReadOnlySpan<double> flat)
    {
        var stats = Stats(net);
        long expected = stats.Sum(s => s.Buffer.numel());
        if (flat.Length != expected) throw new IOException($"{FileName}: {flat.Length} BatchNorm values, the model has {expected}");
        int offset = 0;
        foreach (var (_, b) in stats)
        {
            int n = (int)b.numel();
            b.CopyFrom<double>(flat.Slice(offset, n));
            offset += n;
        }
    }

    /// <summary>
    /// <paramref name="state"/> (the live model's state dict) with the running statistics replaced by the ranks'
    /// mean, as new tensors (the live buffers are untouched); the caller disposes the returned replacements.
    /// </summary>
    public static (Dictionary<string, Tensor> State, List<Tensor> Owned) Averaged(nn.Module<Tensor, Tensor> net, Dictionary<string, Tensor> state, double[][] perRank)
    {
        var result = new Dictionary<string, Tensor>(state);
        var owned = new List<Tensor>();
        int offset = 0;
        foreach (var (name, b) in Stats(net))
        {
            int n = (int)b.numel();
            var mean = new float[n];
            for (int i = 0; i < n; i++)
            {
                double sum = 0;
                foreach (var r in perRank) sum += r[offset + i];
                mean[i] = (float)(sum / perRank.Length);
            }
            var t = torch.tensor(mean, b.shape);
            owned.Add(t);
            result[name] = t;
            offset += n;
        }
        return (result, owned);
    }

    /// <summary>Every rank's vector as one float64 tensor per rank ("rank0", "rank1", ...).</summary>
    public static void Save(string path, double[][] perRank)
    {
        var tensors = perRank.Select((v, r) => ($"rank{r}", torch.tensor(v, [v.Length]))).ToDictionary(x => x.Item1, x => x.Item2);
        try { Safetensors.Save(path, tensors); }
        finally { foreach (var t in tensors.Values) t.Dispose(); }
    }

    /// <summary>Rank <paramref name="rank"/>'s vector from a checkpoint, or null when it holds none for that rank.</summary>
    public static double[]? Load(string path, int rank)
    {
        if (!File.Exists(path)) return null;
        var (tensors, _) = Safetensors.Load(path);
        try
        {
            if (!tensors.TryGetValue($"rank{rank}", out var t)) return null;
            var v = new double[t.numel()];
            t.CopyTo<double>(v);
            return v;
        }
        finally { foreach (var t in tensors.Values) t.Dispose(); }
    }
}
