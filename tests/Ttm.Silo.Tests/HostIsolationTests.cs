using Microsoft.Extensions.DependencyInjection;
using Ttm.Models.Text;
using Ttm.Pipeline;
using Ttm.Pipeline.Encoding;
using Ttm.Pipeline.Images;
using Ttm.Pipeline.Planning;
using Ttm.Silo.Placement;

namespace Ttm.Silo.Tests;

/// <summary>
/// Two silos in one process are two hosts: each has its own text encoder, encode gate and decode gate, and its networks
/// admit their encodes through that host's gate, not a process-wide one.
/// </summary>
public sealed class HostIsolationTests() : ClusterTest(2, _ => SiloRole.Accelerator, new Dictionary<string, string?> { ["Ttm:Device"] = "sim:h100" })
{
    [Fact]
    public void TwoSilosInOneProcess_ShareNoTextEncoder_EncodeGate_OrDecodeGate()
    {
        var (a, b) = (Cluster.Silos[0].ServiceProvider, Cluster.Silos[1].ServiceProvider);
        Assert.NotSame(a, b);

        Assert.NotSame(a.GetRequiredService<FairGate>(), b.GetRequiredService<FairGate>());
        Assert.NotSame(a.GetRequiredService<ImageDecoders>(), b.GetRequiredService<ImageDecoders>());
        Assert.NotSame(a.GetRequiredService<MiniLmTextEncoder>(), b.GetRequiredService<MiniLmTextEncoder>());
        Assert.NotSame(a.GetRequiredService<SimilarityResolver>(), b.GetRequiredService<SimilarityResolver>());
        // Within a host, one of each: the encoder's ONNX session is loaded once per host, not per request.
        Assert.Same(a.GetRequiredService<MiniLmTextEncoder>(), a.GetRequiredService<MiniLmTextEncoder>());
        Assert.Same(a.GetRequiredService<FairGate>(), a.GetRequiredService<FairGate>());
    }

    [Fact]
    public void EachSilosNetworks_UseItsHostsEncoder_AndGates()
    {
        foreach (var host in Cluster.Silos.Select(s => s.ServiceProvider))
        {
            var models = host.GetRequiredService<PipelineModels>();
            Assert.Same(host.GetRequiredService<MiniLmTextEncoder>(), models.Text);
            Assert.Same(host.GetRequiredService<FairGate>(), models.Encodes); // beside a (simulated) accelerator: the host's gate
            Assert.Same(host.GetRequiredService<ImageDecoders>(), models.Decoders);
        }
    }
}
