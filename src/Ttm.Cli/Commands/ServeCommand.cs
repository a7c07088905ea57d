using System.CommandLine;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Ttm.Cli.Commands;

/// <summary>
/// <c>./ttm serve [--port 5080] [--ops-port 5081] [--http-port 5082] [--print-key] [--state DIR | --in-memory]</c>: silo + gateway in one
/// process, gRPC (h2c) on localhost; metrics and dashboard over HTTP/1.1; the REST videos API and the live page over HTTP/1.1; the
/// generations, their events and the tenants' usage kept across restarts in a SQLite database (artifacts/state).
/// </summary>
static class ServeCommand
{
    public static Command Create()
    {
        var port = new Option<int>("--port") { DefaultValueFactory = _ => 5080 };
        var opsPort = new Option<int>("--ops-port") { Description = "HTTP/1.1 port for /metrics (Prometheus) and /dashboard (Basic auth: Ttm__Ops__Password)", DefaultValueFactory = _ => 5081 };
        var httpPort = new Option<int>("--http-port") { Description = "HTTP/1.1 port for the REST videos API (/v1/videos, /openapi.json) and the live page (/)", DefaultValueFactory = _ => 5082 };
        var any = new Option<bool>("--any-address") { Description = "Listen on every interface, not only loopback (containers)" };
        var printKey = new Option<bool>("--print-key") { Description = "Print the live page's address with tenant default's key even when stdout is not a terminal (a log)" };
        var state = new Option<DirectoryInfo?>("--state")
        {
            Description = "Folder of the server's state across restarts (generations, event logs, tenant lists, usage; SQLite) [default: artifacts/state, " +
                "or Ttm__Cluster__StateFolder]",
        };
        var inMemory = new Option<bool>("--in-memory") { Description = "Keep the state in this process's memory only (gone when it stops)" };
        var command = new Command("serve", "Run the embedded cluster (one silo) and the gRPC gateway") { port, opsPort, httpPort, any, printKey, state, inMemory };
        command.SetAction(async (result, cancellationToken) =>
        {
            // An explicit option wins over the environment's Ttm__Cluster__StateFolder, which wins over the default.
            var folder = result.GetValue(inMemory) ? "" : result.GetValue(state)?.FullName
                ?? (string.IsNullOrEmpty(Environment.GetEnvironmentVariable("Ttm__Cluster__StateFolder")) ? Path.GetFullPath(Path.Combine("artifacts", "state")) : null);
            var settings = folder is null ? null : new Dictionary<string, string?> { ["Ttm:Cluster:StateFolder"] = folder };
            var app = EmbeddedServer.Build(result.GetValue(port), settings, anyAddress: result.GetValue(any), opsPort: result.GetValue(opsPort), httpPort: result.GetValue(httpPort));
            Console.WriteLine($"serving ttm.v1.GenerationService and OpsService on port {result.GetValue(port)} (h2c, reflection and health on); " +
                $"/metrics and /dashboard on port {result.GetValue(opsPort)}; REST /v1/videos and the live page on port {result.GetValue(httpPort)}");
            await app.StartAsync(cancellationToken);
            // The page's address with tenant default's key in the fragment (browsers never send a fragment; the page keeps it in
            // the tab), on a terminal only: stdout that goes to a log (a pod's) gets where the key is kept instead.
            var keyFile = app.Services.GetRequiredService<Microsoft.Extensions.Options.IOptions<Ttm.Gateway.Tenants.AuthOptions>>().Value.LocalKeyFile;
            if (result.GetValue(printKey) || !Console.IsOutputRedirected)
                Console.WriteLine($"live page: http://127.0.0.1:{result.GetValue(httpPort)}/#key={(await File.ReadAllTextAsync(keyFile, cancellationToken)).Trim()}");
            else
                Console.WriteLine($"live page: http://127.0.0.1:{result.GetValue(httpPort)}/ (tenant default's key is in {keyFile}; --print-key prints the address with it)");
            await app.WaitForShutdownAsync(cancellationToken);
        });
        return command;
    }
}
