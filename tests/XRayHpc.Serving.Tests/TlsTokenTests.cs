using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json;
using XRayHpc.Data.Decoders;
using XRayHpc.Explain;

namespace XRayHpc.Serving.Tests;

/// <summary>
/// The cluster-internal setup: HTTPS from PEM files (a self-signed certificate made here) plus a bearer token.
/// The client trusts exactly that certificate, so a 200 proves the server presented it; a client with the system's
/// trust store must fail the handshake, so the server cannot have fallen back to plain HTTP.
/// </summary>
[Collection(TinyRunCollection.Name)]
public sealed class TlsTokenTests(TinyRun run)
{
    const string Token = "cluster-internal-token-0123456789";

    /// <summary>A self-signed loopback certificate written as PEM certificate + PKCS#8 key (what --tls-cert/--tls-key take).</summary>
    static X509Certificate2 SelfSigned(string dir, out string certPath, out string keyPath)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var req = new CertificateRequest("CN=xrayhpc-serve-test", key, HashAlgorithmName.SHA256);
        var san = new SubjectAlternativeNameBuilder();
        san.AddIpAddress(IPAddress.Loopback);
        san.AddDnsName("localhost");
        req.CertificateExtensions.Add(san.Build());
        req.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], critical: false));
        var cert = req.CreateSelfSigned(DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddDays(1));
        certPath = Path.Combine(dir, "cert.pem");
        keyPath = Path.Combine(dir, "key.pem");
        File.WriteAllText(certPath, cert.ExportCertificatePem());
        File.WriteAllText(keyPath, key.ExportPkcs8PrivateKeyPem());
        return cert;
    }

    static HttpRequestMessage Predict(byte[] png, string? token)
    {
        var req = new HttpRequestMessage(HttpMethod.Post, "/v1/predict") { Content = new ByteArrayContent(png) };
        req.Content.Headers.ContentType = new MediaTypeHeaderValue("image/png");
        if (token != null) req.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return req;
    }

    [Fact]
    public async Task Https_with_token_answers_only_authorised_predictions_and_keeps_health_open()
    {
        var dir = Directory.CreateTempSubdirectory("xrayhpc-tls-");
        using var cert = SelfSigned(dir.FullName, out var certPath, out var keyPath);
        var model = new InferenceModel(new RunModelSource(run.RunDir, "best"));
        var server = new PredictionServer(model, new ServeOptions
        {
            Host = "127.0.0.1", Port = 0, TlsCertificate = certPath, TlsKey = keyPath, BearerToken = Token,
        });
        try
        {
            await server.StartAsync();
            Assert.Equal("https", server.Scheme);
            var address = new Uri($"https://127.0.0.1:{server.Port}");
            // Trust exactly the certificate made above: same thumbprint, nothing else.
            using var handler = new HttpClientHandler
            {
                ServerCertificateCustomValidationCallback = (_, presented, _, _) =>
                    presented is not null && presented.Thumbprint == cert.Thumbprint,
            };
            using var client = new HttpClient(handler) { BaseAddress = address, Timeout = TimeSpan.FromSeconds(60) };

            var row = SplitImages.Read(run.Cache, "test").First();
            int s = model.ImageSize;
            var png = PngEncoder.EncodeGray8(row.Pixels, s, s);

            var none = await client.SendAsync(Predict(png, null));
            Assert.Equal(HttpStatusCode.Unauthorized, none.StatusCode);
            Assert.Contains("Bearer", none.Headers.WwwAuthenticate.ToString());
            Assert.Equal(HttpStatusCode.Unauthorized, (await client.SendAsync(Predict(png, Token + "x"))).StatusCode);
            Assert.Equal(HttpStatusCode.Unauthorized, (await client.SendAsync(Predict(png, Token[..^1]))).StatusCode);

            var ok = await client.SendAsync(Predict(png, Token));
            var text = await ok.Content.ReadAsStringAsync();
            Assert.True(ok.StatusCode == HttpStatusCode.OK, $"{(int)ok.StatusCode} {text}");
            using (var doc = JsonDocument.Parse(text))
            {
                var first = doc.RootElement.GetProperty("classes")[0];
                double served = first.GetProperty("probability").GetDouble();
                double expected = run.Predicted[(row.RowId, first.GetProperty("name").GetString()!)];
                Assert.True(Math.Abs(served - expected) <= 1e-6, $"over HTTPS: {served} vs predict {expected}");
            }

            // Probes need no token.
            Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/healthz")).StatusCode);
            Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/readyz")).StatusCode);

            // The system trust store does not know the certificate: the handshake must fail.
            using var untrusting = new HttpClient { BaseAddress = address, Timeout = TimeSpan.FromSeconds(30) };
            await Assert.ThrowsAsync<HttpRequestException>(() => untrusting.GetAsync("/healthz"));
        }
        finally
        {
            await server.DisposeAsync();
            model.Dispose();
            dir.Delete(recursive: true);
        }
    }
}
