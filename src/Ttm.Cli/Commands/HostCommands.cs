using System.CommandLine;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Ttm.Cli.Cluster;
using Ttm.Gateway.Hosting;
using Ttm.Gateway.Tenants;
using Ttm.Grains;
using Ttm.Hosting;
using Ttm.Silo.Hosting;

namespace Ttm.Cli.Commands;

/// <summary>
/// The cluster's hosts as processes: <c>./ttm silo</c>, <c>./ttm gateway</c>, and <c>./ttm cluster up</c> (Redis and
/// those hosts on this machine, stopped by PID on Ctrl-C).
/// </summary>
static class HostCommands
{
    public static IEnumerable<Command> Create() => [Silo(), Gateway(), Cluster()];

    static Option<string?> ClusterOption() => new("--cluster") { Description = "Redis connection string, e.g. 127.0.0.1:6379 (none: the embedded default's localhost cluster)" };

    static Option<bool> AnyAddressOption() => new("--any-address") { Description = "Listen on every interface, not only loopback (containers)" };

    static Option<DirectoryInfo?> ArtifactsOption() => new("--artifacts") { Description = "The shared artifact store (default artifacts/store)" };

    static Command Silo()
    {
        var role = new Option<string>("--role") { Description = "accelerator or plain", DefaultValueFactory = _ => "accelerator" };
        var device = new Option<string>("--device") { Description = "cpu:0, cuda:0, …", DefaultValueFactory = _ => "cpu:0" };
        var cluster = ClusterOption();
        var siloPort = new Option<int>("--silo-port") { DefaultValueFactory = _ => 11111 };
        var gatewayPort = new Option<int>("--gateway-port") { DefaultValueFactory = _ => 30000 };
        var artifacts = ArtifactsOption();
        var metricsPort = new Option<int>("--metrics-port") { Description = "/metrics and /healthz on this port (0: any free one)", DefaultValueFactory = _ => 0 };
        var any = AnyAddressOption();
        var command = new Command("silo", "Run one silo of a cluster") { role, device, cluster, siloPort, gatewayPort, artifacts, metricsPort, any };
        command.SetAction((result, cancellationToken) => Run(() => SiloHost.Build([], Settings(new()
        {
            ["Ttm:Role"] = result.GetValue(role), ["Ttm:Device"] = result.GetValue(device), ["Ttm:Cluster:Redis"] = result.GetValue(cluster),
            ["Ttm:Cluster:SiloPort"] = result.GetValue(siloPort).ToString(), ["Ttm:Cluster:GatewayPort"] = result.GetValue(gatewayPort).ToString(),
            ["Ttm:Artifacts"] = result.GetValue(artifacts)?.FullName,
            ["Ttm:Listen:Port"] = result.GetValue(metricsPort).ToString(), ["Ttm:Listen:AnyAddress"] = result.GetValue(any).ToString(),
        })), cancellationToken));
        return command;
    }

    static Command Gateway()
    {
        var cluster = ClusterOption();
        var port = new Option<int>("--port") { DefaultValueFactory = _ => 5080 };
        var opsPort = new Option<int>("--ops-port") { DefaultValueFactory = _ => 5081 };
        var httpPort = new Option<int>("--http-port") { Description = "The REST videos API and the live page (HTTP/1.1)", DefaultValueFactory = _ => 5082 };
        var artifacts = ArtifactsOption();
        var any = AnyAddressOption();
        var command = new Command("gateway", "Run a gateway of a cluster (an Orleans client): gRPC, REST and the live page") { cluster, port, opsPort, httpPort, artifacts, any };
        command.SetAction((result, cancellationToken) => Run(() => GatewayHost.Build([], Settings(new()
        {
            ["Ttm:Cluster:Redis"] = result.GetValue(cluster), ["Ttm:Artifacts"] = result.GetValue(artifacts)?.FullName,
            ["Ttm:Listen:Port"] = result.GetValue(port).ToString(), ["Ttm:Listen:OpsPort"] = result.GetValue(opsPort).ToString(),
            ["Ttm:Listen:HttpPort"] = result.GetValue(httpPort).ToString(),
            ["Ttm:Listen:AnyAddress"] = result.GetValue(any).ToString(),
        })), cancellationToken));
        return command;
    }

    static Command Cluster()
    {
        var accelerators = new Option<int>("--accelerators") { DefaultValueFactory = _ => 2 };
        var plain = new Option<int>("--plain") { DefaultValueFactory = _ => 1 };
        var folder = new Option<DirectoryInfo>("--dir") { Description = "Redis data and the artifact store", DefaultValueFactory = _ => new DirectoryInfo(Path.Combine("artifacts", "cluster")) };
        var port = new Option<int>("--port") { Description = "the gateway's gRPC port", DefaultValueFactory = _ => 5080 };
        var replicas = new Option<int>("--replicas")
        {
            Description = "Redis replicas beside the primary, watched by three Sentinels (0: one Redis, no failover)", DefaultValueFactory = _ => 2,
        };
        var up = new Command("up", "Start Redis (a primary, its replicas, three Sentinels), the silos and a gateway as processes on this machine; Ctrl-C stops them")
            { accelerators, plain, folder, port, replicas };
        up.SetAction(async (result, cancellationToken) =>
        {
            await using var cluster = await LocalCluster.StartRedisAsync(result.GetValue(folder)!.FullName, cancellationToken: CancellationToken.None,
                replication: result.GetValue(replicas) is > 0 and var r ? new RedisReplication(r) : null);
            foreach (var redis in cluster.RedisProcesses)
                Console.WriteLine($"{redis.Name,-10} {(redis == cluster.RedisProcess ? ClusterStoreOptions.Redacted(cluster.Redis) : ""),-22} pid {redis.Pid}");
            Console.WriteLine($"redis data {cluster.Folder}/redis*");
            cluster.DeviceThreads = LocalCluster.ShareOfCores(result.GetValue(accelerators));
            try
            {
                foreach (var (role, count) in new[] { ("accelerator", result.GetValue(accelerators)), ("plain", result.GetValue(plain)) })
                    for (int i = 0; i < count; i++)
                    {
                        var silo = await cluster.StartSiloAsync(role, cancellationToken);
                        Console.WriteLine($"{silo.Name,-10} {"",-22} pid {silo.Pid}");
                    }
                int httpPort = result.GetValue(port) + 2;
                var gateway = await cluster.StartGatewayAsync(result.GetValue(port), cancellationToken, httpPort: httpPort);
                var keyFile = Path.Combine(cluster.Folder, "api-key");
                File.Delete(keyFile); // the last run's key (its Redis keeps the hash; a new key per start)
                await TenantKeys.WriteKeyFileAsync(keyFile, await cluster.TenantKeyAsync("default"), CancellationToken.None);
                Console.WriteLine($"gateway    http://127.0.0.1:{result.GetValue(port),-6}   pid {gateway.Pid}");
                Console.WriteLine($"tenant     default, its key in {keyFile} (./ttm generate --server http://127.0.0.1:{result.GetValue(port)} --api-key $(cat {keyFile}) …)");
                Console.WriteLine($"REST       http://127.0.0.1:{httpPort}/v1/videos, the live page at http://127.0.0.1:{httpPort}/");
                Console.WriteLine($"artifacts  {cluster.Artifacts}");
                Console.WriteLine("Ctrl-C stops them all.");
                await Task.Delay(Timeout.Infinite, cancellationToken);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                Console.WriteLine("stopping …");
            }
            return 0;
        });
        return new Command("cluster", "A local multi-process cluster") { up };
    }

    /// <summary>The command's settings, leaving out what was not given (the host's configuration has the rest).</summary>
    static Dictionary<string, string?> Settings(Dictionary<string, string?> given) => given.Where(kv => kv.Value is not null).ToDictionary();

    static Task<int> Run(Func<IHost> build, CancellationToken cancellationToken) => StartupChecks.RunHostAsync(build, cancellationToken);
}
