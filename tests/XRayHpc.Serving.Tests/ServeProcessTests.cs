using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using XRayHpc.Data.Decoders;
using XRayHpc.Explain;

namespace XRayHpc.Serving.Tests;

/// <summary>`xrayhpc serve` as a process: --port 0 prints the bound port, it answers, and SIGTERM drains and exits 0.</summary>
[Collection(TinyRunCollection.Name)]
public sealed class ServeProcessTests(TinyRun run)
{
    [Fact]
    public async Task Sigterm_drains_and_exits_zero()
    {
        var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in new[] { Path.Combine(AppContext.BaseDirectory, "xrayhpc.dll"), "serve", run.RunDir, "--port", "0", "--threads", "1" }) psi.ArgumentList.Add(a);
        using var p = Process.Start(psi)!;
        try
        {
            // The first line names the port; ReadLine blocks until it arrives (bounded by the read timeout below).
            var lineTask = p.StandardOutput.ReadLineAsync();
            var line = await lineTask.WaitAsync(TimeSpan.FromMinutes(3));
            Assert.NotNull(line);
            Assert.Contains("listening on http://127.0.0.1:", line);
            int port = int.Parse(line![(line.LastIndexOf(':') + 1)..]);
            using var client = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}"), Timeout = TimeSpan.FromSeconds(60) };
            var row = SplitImages.Read(run.Cache, "test").First();
            var content = new ByteArrayContent(PngEncoder.EncodeGray8(row.Pixels, 32, 32));
            content.Headers.ContentType = new MediaTypeHeaderValue("image/png");
            Assert.Equal(HttpStatusCode.OK, (await client.PostAsync("/v1/predict", content)).StatusCode);

            Assert.Equal(0, Kill(p.Id, 15));
            var rest = await p.StandardOutput.ReadToEndAsync().WaitAsync(TimeSpan.FromMinutes(2));
            Assert.True(p.WaitForExit(TimeSpan.FromMinutes(1)), "serve did not exit after SIGTERM");
            Assert.Equal(0, p.ExitCode);
            Assert.Contains("serve: drained and stopped", rest);
        }
        finally { if (!p.HasExited) p.Kill(entireProcessTree: true); }
    }

    [System.Runtime.InteropServices.DllImport("libc", EntryPoint = "kill")]
    static extern int Kill(int pid, int signal);
}
