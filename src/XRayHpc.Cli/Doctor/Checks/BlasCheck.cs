namespace XRayHpc.Cli.Doctor.Checks;

/// <summary>
/// The BLAS libtorch actually loaded, judged from the files mapped into the process (Debian's libtorch links the
/// alternatives-managed libblas.so.3, so the package installed is not proof of what runs). The reference BLAS is a
/// fail: libtorch's fp32 matmul and linear layers run at ~6 GFLOP/s on it.
/// </summary>
public static class BlasCheck
{
    const string Fix = "apt-get install libopenblas0-openmp && update-alternatives --set libblas.so.3-x86_64-linux-gnu " +
                       "/usr/lib/x86_64-linux-gnu/openblas-openmp/libblas.so.3 (env/setup.sh does both)";

    public static CheckResult Evaluate(IEnumerable<string> mappedLibraries)
    {
        var blas = mappedLibraries.Where(IsBlas).Distinct().ToList();
        if (blas.Count == 0)
            return CheckResult.Warn("BLAS", "no BLAS library mapped after loading libtorch", "check `ldd` of libtorch_cpu.so; " + Fix);
        var kinds = blas.Select(p => (Path: p, Kind: Kind(p))).ToList();
        string value = string.Join("; ", kinds.GroupBy(k => k.Kind).Select(g => $"{g.Key}: {string.Join(", ", g.Select(k => k.Path))}"));
        if (kinds.Any(k => k.Kind == "reference BLAS"))
            return CheckResult.Fail("BLAS", value + ": fp32 matmul at ~6 GFLOP/s", Fix);
        if (kinds.Any(k => k.Kind == "OpenBLAS (pthreads)"))
            return CheckResult.Warn("BLAS", value,
                "OpenBLAS's pthreads build starts its own threads beside libtorch's OpenMP ones (oversubscription): install libopenblas0-openmp and select it with update-alternatives");
        return CheckResult.Ok("BLAS", value);
    }

    static bool IsBlas(string path)
    {
        var name = System.IO.Path.GetFileName(path);
        return name.StartsWith("libblas.so", StringComparison.Ordinal) || name.StartsWith("libopenblas", StringComparison.Ordinal)
            || name.StartsWith("libmkl_", StringComparison.Ordinal) || name.StartsWith("libblis", StringComparison.Ordinal)
            || name.StartsWith("libcblas.so", StringComparison.Ordinal);
    }

    /// <summary>Names the implementation from its installed path (Debian puts each in its own folder).</summary>
    public static string Kind(string path)
    {
        if (path.Contains("openblas", StringComparison.OrdinalIgnoreCase))
            return path.Contains("pthread", StringComparison.Ordinal) ? "OpenBLAS (pthreads)"
                 : path.Contains("serial", StringComparison.Ordinal) ? "OpenBLAS (serial)" : "OpenBLAS (OpenMP)";
        if (path.Contains("mkl", StringComparison.OrdinalIgnoreCase)) return "Intel MKL";
        if (path.Contains("blis", StringComparison.OrdinalIgnoreCase)) return "BLIS";
        if (path.Contains("atlas", StringComparison.OrdinalIgnoreCase)) return "ATLAS";
        // Debian's netlib reference implementation lives in .../blas/libblas.so.3 (package libblas3).
        return "reference BLAS";
    }
}
