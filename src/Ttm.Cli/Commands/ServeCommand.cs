using System.CommandLine;
using Microsoft.Extensions.Hosting;

namespace Ttm.Cli.Commands;

/// <summary><c>./ttm serve [--port 5080]</c>: silo + gateway in one process, gRPC (h2c) on localhost.</summary>
static class ServeCommand
{
    public static Command Create()
    {
        var port = new Option<int>("--port") { DefaultValueFactory = _ => 5080 };
        var command = new Command("serve", "Run the embedded cluster (one silo) and the gRPC gateway on localhost") { port };
        command.SetAction(async (result, cancellationToken) =>
        {
            var app = EmbeddedServer.Build(result.GetValue(port));
            Console.WriteLine($"serving ttm.v1.GenerationService on http://127.0.0.1:{result.GetValue(port)} (h2c, reflection and health on)");
            await app.StartAsync(cancellationToken);
            await app.WaitForShutdownAsync(cancellationToken);
        });
        return command;
    }
}
