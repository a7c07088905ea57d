using Grpc.Core;
using Ttm.Protos;
using Ttm.Protos.V1;

namespace Ttm.Cli.Cluster;

/// <summary>
/// One client's view of one generation, as an app that survives gateway loss would follow it: Generate (idempotent by
/// its request id, so a retry finds the first) on the gateway up now; when the stream breaks, Watch after the last
/// seq it has, on whichever gateway is up then, until the generation ends. Each event is kept with when it arrived.
/// </summary>
/// <param name="apiKey">the tenant's key, sent with every call</param>
public sealed class GenerationFollower(GenerateRequest request, string tenant, string apiKey, Func<int> gatewayPort)
{
    readonly List<(GenerationEvent Event, DateTimeOffset At)> received = [];

    public string Tenant => tenant;
    public string? Id { get; private set; }
    public int Reconnects { get; private set; }
    public DateTimeOffset Started { get; private set; }

    /// <summary>A copy of what has arrived so far (the follower goes on adding while others read).</summary>
    public IReadOnlyList<GenerationEvent> Events { get { lock (received) return received.Select(r => r.Event).ToList(); } }

    public IReadOnlyList<(GenerationEvent Event, DateTimeOffset At)> Timeline { get { lock (received) return received.ToList(); } }

    public GenerationEvent? Last { get { lock (received) return received.Count == 0 ? null : received[^1].Event; } }

    public bool Ended => Last?.EventCase is GenerationEvent.EventOneofCase.Completed or GenerationEvent.EventOneofCase.Failed or GenerationEvent.EventOneofCase.Cancelled;

    public async Task RunAsync(CancellationToken cancellationToken)
    {
        Started = DateTimeOffset.UtcNow;
        while (true)
        {
            try
            {
                using var channel = TtmChannel.Create($"http://127.0.0.1:{gatewayPort()}", apiKey);
                var client = new GenerationService.GenerationServiceClient(channel);
                using var call = Id is null
                    ? client.Generate(request, cancellationToken: cancellationToken)
                    : client.Watch(new WatchRequest { GenerationId = Id, AfterSeq = Last?.Seq ?? 0 }, cancellationToken: cancellationToken);
                await foreach (var e in call.ResponseStream.ReadAllAsync(cancellationToken))
                {
                    Id ??= e.GenerationId;
                    lock (received) received.Add((e, DateTimeOffset.UtcNow));
                    if (Ended) return;
                }
            }
            catch (RpcException) when (!cancellationToken.IsCancellationRequested) { }
            Reconnects++;
            await Task.Delay(500, cancellationToken);
        }
    }
}
