using System.Diagnostics;
using System.Text;
using Xunit;

namespace XRayHpc.Data.Tests;

/// <summary>Runs the reference tools (ImageMagick, dcmtk, gdcm) that make and read the decoder oracles.</summary>
public static class RefTool
{
    /// <summary>ImageMagick 6's `convert` (Debian imagemagick); a stand-in `convert` may shadow it on PATH.</summary>
    public const string Convert = "/usr/bin/convert";

    public static byte[] Run(string exe, params string[] args)
    {
        var psi = new ProcessStartInfo(ExternalTool.Resolve(exe)) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in args) psi.ArgumentList.Add(a);
        using var p = Process.Start(psi) ?? throw new InvalidOperationException($"cannot start {exe}");
        var ms = new MemoryStream();
        var errTask = p.StandardError.ReadToEndAsync();
        var outTask = p.StandardOutput.BaseStream.CopyToAsync(ms);
        // A hung tool must fail its test, not stall the suite.
        if (!p.WaitForExit(120_000)) { p.Kill(true); throw new TimeoutException($"{exe} {string.Join(' ', args)} did not finish in 120 s"); }
        outTask.Wait();
        var err = errTask.Result;
        if (p.ExitCode != 0) throw new InvalidOperationException($"{exe} {string.Join(' ', args)} failed ({p.ExitCode}): {err}");
        return ms.ToArray();
    }

    public static void RequireImageMagick()
    {
        var v = Encoding.ASCII.GetString(Run(Convert, "-version"));
        Assert.Contains("ImageMagick", v);
    }

    /// <summary>Reads a binary PGM (P5, maxval ≤ 255) as written by dcm2pnm.</summary>
    public static GrayImage ReadPgm(string path)
    {
        var d = File.ReadAllBytes(path);
        int pos = 0;
        string Token()
        {
            while (char.IsWhiteSpace((char)d[pos]) || d[pos] == '#')
            {
                if (d[pos] == '#') while (d[pos] != '\n') pos++;
                pos++;
            }
            int s = pos;
            while (!char.IsWhiteSpace((char)d[pos])) pos++;
            return Encoding.ASCII.GetString(d, s, pos - s);
        }
        Assert.Equal("P5", Token());
        int w = int.Parse(Token()), h = int.Parse(Token()), max = int.Parse(Token());
        Assert.True(max <= 255, $"PGM maxval {max}");
        pos++;
        return new GrayImage(w, h, d.AsSpan(pos, w * h).ToArray());
    }
}

/// <summary>A temporary folder removed after the test.</summary>
public sealed class TempDir : IDisposable
{
    public string Path { get; } = Directory.CreateTempSubdirectory("xrh-data-").FullName;
    public string this[string name] => System.IO.Path.Combine(Path, name);
    public void Dispose() { try { Directory.Delete(Path, true); } catch (IOException) { } }
}
