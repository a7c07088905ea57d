using System.CommandLine;
using System.Text;
using Grpc.Core;
using Grpc.Net.Client;
using Ttm.Protos.V1;

namespace Ttm.Cli.Commands;

/// <summary><c>./ttm ops [--server URL] [--once]</c>: the cluster view (silos, devices, GPUs, queues, generations in flight), live.</summary>
public static class OpsCommand
{
    public static Command Create()
    {
        var server = new Option<string>("--server") { Description = "Gateway address", DefaultValueFactory = _ => "http://127.0.0.1:5080" };
        var user = new Option<string>("--user") { Description = "Operator name", DefaultValueFactory = _ => "ops" };
        var password = new Option<string?>("--password") { Description = "Operator password (default: TTM_OPS_PASSWORD)" };
        var interval = new Option<double>("--interval") { Description = "Seconds between views", DefaultValueFactory = _ => 2 };
        var once = new Option<bool>("--once") { Description = "Print one view and exit" };
        var command = new Command("ops", "Watch the cluster: silos, devices, GPU utilisation and memory, queues, generations in flight") { server, user, password, interval, once };
        command.SetAction(async (result, cancellationToken) =>
        {
            var secret = result.GetValue(password) ?? Environment.GetEnvironmentVariable("TTM_OPS_PASSWORD") ?? "";
            using var channel = GrpcChannel.ForAddress(result.GetValue(server)!);
            var client = new OpsService.OpsServiceClient(channel);
            var headers = new Metadata { { "authorization", "Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes($"{result.GetValue(user)}:{secret}")) } };
            try
            {
                using var call = client.WatchCluster(new WatchClusterRequest { IntervalSeconds = result.GetValue(interval) }, headers, cancellationToken: cancellationToken);
                await foreach (var view in call.ResponseStream.ReadAllAsync(cancellationToken))
                {
                    if (!result.GetValue(once)) Console.Write("\u001b[H\u001b[2J"); // redraw in place
                    Console.Write(Render(view));
                    if (result.GetValue(once)) return 0;
                }
            }
            catch (RpcException e) when (e.StatusCode == StatusCode.Unauthenticated)
            {
                Console.Error.WriteLine($"The gateway refused the operator credentials: {e.Status.Detail}. Pass --password or set TTM_OPS_PASSWORD.");
                return 2;
            }
            catch (OperationCanceledException) { }
            return 0;
        });
        return command;
    }

    public static string Render(ClusterView view)
    {
        var text = new StringBuilder();
        text.AppendLine($"TtmCluster {view.Time.ToDateTime():u}   generations in flight {view.GenerationsInFlight}   queued for a device {view.QueueDepth}");
        text.AppendLine($"{"silo",-28} {"role",-12} {"device",-8} {"gpu",-34} {"queue",5} {"batch mean/max",14} {"step ms",8}  active");
        foreach (var s in view.Silos)
        {
            var gpu = s.Gpus.Count == 0 ? s.GpuStatus
                : string.Join("; ", s.Gpus.Select(g => $"{g.Index}: {g.UtilizationPercent}% {g.MemoryUsedBytes >> 20}/{g.MemoryTotalBytes >> 20} MiB {g.PowerWatts:F0} W"));
            var queue = s.Queue is null ? "-" : s.Queue.Depth.ToString();
            var batch = s.Queue is null ? "-" : $"{s.Queue.MeanBatchSize:F2}/{s.Queue.MaxBatch}";
            var step = s.Queue is null ? "-" : $"{s.Queue.LastStepSeconds * 1000:F0}";
            var active = string.Join(", ", s.ActiveByStage.OrderBy(kv => kv.Key).Select(kv => $"{kv.Key} {kv.Value}"));
            var tenants = string.Join(", ", s.ActiveByTenant.OrderBy(kv => kv.Key).Select(kv => $"{kv.Key} {kv.Value}"));
            text.AppendLine($"{Trim(s.Address, 28),-28} {s.Role,-12} {s.Device,-8} {Trim(gpu, 34),-34} {queue,5} {batch,14} {step,8}  {(active.Length == 0 ? "idle" : active)}{(tenants.Length == 0 ? "" : $"  [{tenants}]")}");
        }
        return text.ToString();
    }

    static string Trim(string value, int width) => value.Length <= width ? value : value[..(width - 1)] + "…";
}
