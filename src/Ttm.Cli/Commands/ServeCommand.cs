using System.CommandLine;
using Microsoft.Extensions.Hosting;

namespace Ttm.Cli.Commands;

/// <summary><c>./ttm serve [--port 5080] [--ops-port 5081]</c>: silo + gateway in one process, gRPC (h2c) on localhost; metrics and dashboard over HTTP/1.1.</summary>
static class ServeCommand
{
    public static Command Create()
    {
        var port = new Option<int>("--port") { DefaultValueFactory = _ => 5080 };
        var opsPort = new Option<int>("--ops-port") { Description = "HTTP/1.1 port for /metrics (Prometheus) and /dashboard (Basic auth: Ttm__Ops__Password)", DefaultValueFactory = _ => 5081 };
        var any = new Option<bool>("--any-address") { Description = "Listen on every interface, not only loopback (containers)" };
        var command = new Command("serve", "Run the embedded cluster (one silo) and the gRPC gateway") { port, opsPort, any };
        command.SetAction(async (result, cancellationToken) =>
        {
            var app = EmbeddedServer.Build(result.GetValue(port), anyAddress: result.GetValue(any), opsPort: result.GetValue(opsPort));
            Console.WriteLine($"serving ttm.v1.GenerationService and OpsService on port {result.GetValue(port)} (h2c, reflection and health on); " +
                $"/metrics and /dashboard on port {result.GetValue(opsPort)}");
            await app.StartAsync(cancellationToken);
            await app.WaitForShutdownAsync(cancellationToken);
        });
        return command;
    }
}
