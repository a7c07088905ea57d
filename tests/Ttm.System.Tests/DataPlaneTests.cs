using Ttm.Cli.Cluster;
using Xunit.Abstractions;
using Ttm.Hosting;

namespace Ttm.System.Tests;

/// <summary>
/// The data plane at real sizes, through the multi-process cluster: grain messages carry keys and small records (every
/// host caps them at <see cref="ClusterStoreOptions.MaxMessageBytes"/>, 1 MiB, so every multi-process test fails on a
/// bigger one), and the finished frames go through the artifact store. `./ttm bench data-plane` on random networks of the
/// shipped size at display 1024.
/// </summary>
public sealed class DataPlaneTests(ITestOutputHelper output)
{
    static readonly string Cli = Path.Combine(ServerFixture.Root, "src", "Ttm.Cli", "bin", "Release", "net10.0", "linux-x64", "ttm.dll");

    [Fact]
    public async Task AGenerationAtDisplay1024_Completes_WithEveryGrainMessageUnderOneMebibyte_AndItsFramesThroughTheStore()
    {
        var folder = Directory.CreateTempSubdirectory("ttm-data-plane-").FullName;
        try
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(8));
            var image = await File.ReadAllBytesAsync(Path.Combine(ServerFixture.Root, "samples", "two-squares.png"));
            var report = await DataPlaneBenchmark.RunAsync(folder, "tiny", 1024, 1, image, Path.Combine(ServerFixture.Root, "models", "tiny"),
                new StringWriter(), timeout.Token, program: Cli);
            output.WriteLine(global::System.Text.Json.JsonSerializer.Serialize(report));
            Assert.Equal("completed", report.Outcome);
            Assert.InRange(report.LargestMessageBytesAtMost, 1, ClusterStoreOptions.DefaultMaxMessageBytes);
            // The finished video and trajectory (8 RGB frames of 1024² each) were handed over through the store: written by the
            // accelerator, read by the silo that encodes. The grain messages of the whole generation carry a small share of that.
            long frames = 2L * 8 * 1024 * 1024 * 3;
            Assert.True(report.StoreBytesWritten >= frames && report.StoreBytesRead >= frames, $"store: {report.StoreBytesWritten} B written, {report.StoreBytesRead} B read");
            Assert.True(report.MessageBytesSent < frames / 10, $"{report.MessageBytesSent} B in grain messages");
            Assert.Equal(3, report.Hosts.Count);
            Assert.All(report.Hosts, h => Assert.True(h.PeakRssBytes > 0 && h.MessagesSent > 0, h.ToString()));
            Assert.True(report.RedisBytesIn > 0 && report.StoredBytes > 0);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }
}
