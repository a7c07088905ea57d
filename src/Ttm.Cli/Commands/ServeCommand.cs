using System.CommandLine;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Ttm.Cli.Commands;

/// <summary>
/// <c>./ttm serve [--port 5080] [--ops-port 5081] [--http-port 5082]</c>: silo + gateway in one process, gRPC (h2c) on localhost;
/// metrics and dashboard over HTTP/1.1; the REST videos API and the live page over HTTP/1.1.
/// </summary>
static class ServeCommand
{
    public static Command Create()
    {
        var port = new Option<int>("--port") { DefaultValueFactory = _ => 5080 };
        var opsPort = new Option<int>("--ops-port") { Description = "HTTP/1.1 port for /metrics (Prometheus) and /dashboard (Basic auth: Ttm__Ops__Password)", DefaultValueFactory = _ => 5081 };
        var httpPort = new Option<int>("--http-port") { Description = "HTTP/1.1 port for the REST videos API (/v1/videos, /openapi.json) and the live page (/)", DefaultValueFactory = _ => 5082 };
        var any = new Option<bool>("--any-address") { Description = "Listen on every interface, not only loopback (containers)" };
        var command = new Command("serve", "Run the embedded cluster (one silo) and the gRPC gateway") { port, opsPort, httpPort, any };
        command.SetAction(async (result, cancellationToken) =>
        {
            var app = EmbeddedServer.Build(result.GetValue(port), anyAddress: result.GetValue(any), opsPort: result.GetValue(opsPort), httpPort: result.GetValue(httpPort));
            Console.WriteLine($"serving ttm.v1.GenerationService and OpsService on port {result.GetValue(port)} (h2c, reflection and health on); " +
                $"/metrics and /dashboard on port {result.GetValue(opsPort)}; REST /v1/videos and the live page on port {result.GetValue(httpPort)}");
            await app.StartAsync(cancellationToken);
            // The page's address with tenant default's key in the fragment (browsers never send a fragment; the page keeps it in the tab).
            var key = (await File.ReadAllTextAsync(app.Services.GetRequiredService<Microsoft.Extensions.Options.IOptions<Ttm.Gateway.Tenants.AuthOptions>>().Value.LocalKeyFile, cancellationToken)).Trim();
            Console.WriteLine($"live page: http://127.0.0.1:{result.GetValue(httpPort)}/#key={key}");
            await app.WaitForShutdownAsync(cancellationToken);
        });
        return command;
    }
}
