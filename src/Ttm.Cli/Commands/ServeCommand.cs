using System.CommandLine;
using Microsoft.Extensions.Hosting;

namespace Ttm.Cli.Commands;

/// <summary><c>./ttm serve [--port 5080]</c>: silo + gateway in one process, gRPC (h2c) on localhost.</summary>
static class ServeCommand
{
    public static Command Create()
    {
        var port = new Option<int>("--port") { DefaultValueFactory = _ => 5080 };
        var any = new Option<bool>("--any-address") { Description = "Listen on every interface, not only loopback (containers)" };
        var command = new Command("serve", "Run the embedded cluster (one silo) and the gRPC gateway") { port, any };
        command.SetAction(async (result, cancellationToken) =>
        {
            var app = EmbeddedServer.Build(result.GetValue(port), anyAddress: result.GetValue(any));
            Console.WriteLine($"serving ttm.v1.GenerationService on port {result.GetValue(port)} (h2c, reflection and health on)");
            await app.StartAsync(cancellationToken);
            await app.WaitForShutdownAsync(cancellationToken);
        });
        return command;
    }
}
