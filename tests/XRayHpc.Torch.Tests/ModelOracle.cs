using System.Diagnostics;
using System.Text;
using System.Text.Json;
using XRayHpc.Torch;

namespace XRayHpc.Torch.Tests;

/// <summary>
/// Runs the Python oracle scripts in tests/XRayHpc.Torch.Tests/oracle with Debian's /usr/bin/python3
/// (torch + torchvision) and reads the safetensors files they write.
/// </summary>
internal static class ModelOracle
{
    public const string Python = "/usr/bin/python3";

    public static string ScriptDir { get; } = FindScriptDir();

    private static string FindScriptDir()
    {
        for (var d = new DirectoryInfo(AppContext.BaseDirectory); d != null; d = d.Parent)
        {
            var candidate = Path.Combine(d.FullName, "tests", "XRayHpc.Torch.Tests", "oracle");
            if (File.Exists(Path.Combine(candidate, "st.py"))) return candidate;
        }
        throw new DirectoryNotFoundException($"oracle scripts not found above {AppContext.BaseDirectory}");
    }

    /// <summary>Runs a script and returns its stdout; a failure throws with the script's stderr.</summary>
    public static string Run(string script, params string[] args)
    {
        var psi = new ProcessStartInfo(ExternalTool.Resolve(Python))
        {
            RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false, WorkingDirectory = ScriptDir,
        };
        psi.ArgumentList.Add(Path.Combine(ScriptDir, script));
        foreach (var a in args) psi.ArgumentList.Add(a);
        psi.Environment["OMP_NUM_THREADS"] = "1";
        using var p = Process.Start(psi)!;
        var stderr = p.StandardError.ReadToEndAsync();
        var stdoutTask = p.StandardOutput.ReadToEndAsync();
        // A hung oracle fails its test instead of stalling the suite (the slowest, densenet121, takes well under this).
        if (!p.WaitForExit(300_000)) { p.Kill(true); throw new TimeoutException($"{script} {string.Join(' ', args)} did not finish in 300 s"); }
        string stdout = stdoutTask.Result;
        if (p.ExitCode != 0) throw new InvalidOperationException($"{script} {string.Join(' ', args)} failed ({p.ExitCode}): {stderr.Result}");
        return stdout;
    }

    public static string TempDir(string tag)
    {
        var dir = Path.Combine(Path.GetTempPath(), $"xrayhpc-oracle-{tag}-{Environment.ProcessId}-{Guid.NewGuid():N}");
        Directory.CreateDirectory(dir);
        return dir;
    }

    /// <summary>Reads a safetensors file into tensors (not registered in any dispose scope).</summary>
    public static Dictionary<string, Tensor> Load(string path)
    {
        var bytes = File.ReadAllBytes(path);
        long n = BitConverter.ToInt64(bytes, 0);
        using var header = JsonDocument.Parse(Encoding.UTF8.GetString(bytes, 8, (int)n));
        var result = new Dictionary<string, Tensor>();
        int dataStart = 8 + (int)n;
        foreach (var entry in header.RootElement.EnumerateObject())
        {
            if (entry.Name == "__metadata__") continue;
            var dtype = entry.Value.GetProperty("dtype").GetString() switch
            {
                "F32" => ScalarType.Float32, "F64" => ScalarType.Float64, "I64" => ScalarType.Int64,
                "I32" => ScalarType.Int32, "BF16" => ScalarType.BFloat16, "U8" => ScalarType.Byte, "BOOL" => ScalarType.Bool,
                var s => throw new NotSupportedException($"{path}: dtype {s} of {entry.Name}"),
            };
            long[] shape = entry.Value.GetProperty("shape").EnumerateArray().Select(e => e.GetInt64()).ToArray();
            var offs = entry.Value.GetProperty("data_offsets").EnumerateArray().Select(e => e.GetInt64()).ToArray();
            var span = new ReadOnlySpan<byte>(bytes, dataStart + (int)offs[0], (int)(offs[1] - offs[0]));
            result[entry.Name] = torch.from_bytes(span, dtype, shape).DetachFromDisposeScope();
        }
        return result;
    }

    public static void DisposeAll(Dictionary<string, Tensor> d)
    {
        foreach (var t in d.Values) t.Dispose();
    }

    /// <summary>max |a-b| / max(|b|) over the whole tensor (0 when b is all zero and a equals it).</summary>
    public static double RelativeError(Tensor actual, Tensor expected)
    {
        using var ad = actual.to(ScalarType.Float64);
        using var ed = expected.to(ScalarType.Float64);
        var a = ad.ToArray<double>();
        var e = ed.ToArray<double>();
        if (a.Length != e.Length) throw new InvalidOperationException($"size {a.Length} vs {e.Length}");
        double maxDiff = 0, maxRef = 0;
        for (int i = 0; i < a.Length; i++)
        {
            maxDiff = Math.Max(maxDiff, Math.Abs(a[i] - e[i]));
            maxRef = Math.Max(maxRef, Math.Abs(e[i]));
        }
        return maxRef == 0 ? maxDiff : maxDiff / maxRef;
    }

    public static bool BitEqual(Tensor a, Tensor b)
    {
        if (!a.shape.SequenceEqual(b.shape) || a.dtype != b.dtype) return false;
        using var ac = a.contiguous();
        using var bc = b.contiguous();
        return ac.ToBytes().AsSpan().SequenceEqual(bc.ToBytes());
    }
}
