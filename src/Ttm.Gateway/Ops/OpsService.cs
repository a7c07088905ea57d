using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Microsoft.AspNetCore.Authorization;
using Ttm.Grains;
using Ttm.Protos.V1;
using ClusterView = Ttm.Protos.V1.ClusterView;
using GrainClusterView = Ttm.Grains.ClusterView;

namespace Ttm.Gateway.Ops;

/// <summary>ttm.v1.OpsService over the ops monitor grain; for operators only.</summary>
[Authorize(OpsAuthentication.Policy)]
public sealed class OpsService(IClusterClient cluster, Tenants.TenantKeys keys) : Protos.V1.OpsService.OpsServiceBase
{
    public override async Task<ListTenantsResponse> ListTenants(ListTenantsRequest request, ServerCallContext context)
    {
        var all = await keys.ListAsync(context.CancellationToken);
        var names = request.Tenants.Count > 0 ? request.Tenants.Distinct().ToList() : all.Select(k => k.Tenant).Distinct().Order().ToList();
        if (names.Count > 1000) throw new RpcException(new Status(StatusCode.InvalidArgument, $"Ask for at most 1000 tenants at once, not {names.Count}."));
        foreach (var name in names)
        {
            try { Tenants.TenantNames.Require(name); }
            catch (ArgumentException e) { throw new RpcException(new Status(StatusCode.InvalidArgument, e.Message)); }
        }
        var usages = await Task.WhenAll(names.Select(n => cluster.GetGrain<ITenantGrain>(n).GetUsageAsync()));
        var response = new ListTenantsResponse();
        response.Tenants.AddRange(usages.Select(u => new Protos.V1.TenantUsage
        {
            Tenant = u.Tenant, InFlight = u.InFlight, Generations = u.Generations, DeviceSecondsToday = u.DeviceSecondsToday,
            StoredBytes = u.StoredBytes, StoredGenerations = u.StoredGenerations, ActiveKeys = all.Count(k => k.Tenant == u.Tenant && !k.Revoked),
        }));
        return response;
    }

    public override async Task WatchCluster(WatchClusterRequest request, IServerStreamWriter<ClusterView> responseStream, ServerCallContext context)
    {
        if (request.IntervalSeconds < 0 || double.IsNaN(request.IntervalSeconds))
            throw new RpcException(new Status(StatusCode.InvalidArgument, "interval_seconds cannot be negative; 0 means every 2 s."));
        var interval = request.IntervalSeconds == 0 ? TimeSpan.FromSeconds(2) : TimeSpan.FromSeconds(Math.Max(0.1, request.IntervalSeconds));
        try
        {
            await foreach (var view in cluster.GetGrain<IOpsMonitorGrain>(0).WatchAsync(interval, context.CancellationToken).WithCancellation(context.CancellationToken))
                await responseStream.WriteAsync(ToMessage(view), context.CancellationToken);
        }
        catch (OperationCanceledException) when (context.CancellationToken.IsCancellationRequested)
        {
            // the operator left
        }
    }

    public static ClusterView ToMessage(GrainClusterView view)
    {
        var message = new ClusterView { Time = Timestamp.FromDateTimeOffset(view.At), GenerationsInFlight = view.GenerationsInFlight, QueueDepth = view.QueueDepth };
        foreach (var s in view.Silos)
        {
            var silo = new SiloView { Address = s.Silo, Role = s.Role, Device = s.Device, Reported = Timestamp.FromDateTimeOffset(s.At), GpuStatus = s.GpuStatus };
            silo.Gpus.AddRange(s.Gpus.Select(g => new Gpu
            {
                Index = g.Index, Uuid = g.Uuid, Name = g.Name, UtilizationPercent = g.UtilizationPercent, MemoryUtilizationPercent = g.MemoryUtilizationPercent,
                MemoryUsedBytes = g.MemoryUsedBytes, MemoryTotalBytes = g.MemoryTotalBytes, PowerWatts = g.PowerWatts,
            }));
            if (s.Queue is { } q)
            {
                silo.Queue = new DeviceQueue { Device = q.Device, Depth = q.Depth, MaxBatch = q.MaxBatch, Batches = q.Batches, Steps = q.Steps, MeanBatchSize = q.MeanBatchSize, LastStepSeconds = q.LastStepSeconds };
                silo.Queue.QueuedByTenant.Add(q.QueuedByTenant.ToDictionary());
            }
            silo.ActiveByStage.Add(s.ActiveByStage.ToDictionary());
            silo.ActiveByTenant.Add(s.ActiveByTenant.ToDictionary());
            message.Silos.Add(silo);
        }
        return message;
    }
}
