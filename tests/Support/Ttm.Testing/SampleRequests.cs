using Google.Protobuf;
using Grpc.Core;
using Ttm.Protos.V1;
using ServiceClient = Ttm.Protos.V1.GenerationService.GenerationServiceClient;

namespace Ttm.Testing;

/// <summary>The gateway tests' small requests on the shipped sample (128×128, two squares), and one call run to its end.</summary>
public static class SampleRequests
{
    public static readonly byte[] Sample = File.ReadAllBytes(Path.Combine(ServerFixture.Root, "samples", "two-squares.png"));

    /// <summary>The red square moving right, <paramref name="steps"/> steps a stage, 64 px previews.</summary>
    public static GenerateRequest Small(int steps = 1, long seed = 1) => new()
    {
        Image = ByteString.CopyFrom(Sample), Prompt = "The red square moves right.", Seed = seed, MotionSteps = steps, VideoSteps = steps, PreviewSize = 64,
    };

    /// <summary>The red pixels' centroid in an image (where the sample's red square is); NaN where there are none.</summary>
    public static (float X, float Y) RedCentroid(Ttm.Pipeline.Images.RgbImage image)
    {
        var red = (from y in Enumerable.Range(0, image.Height) from x in Enumerable.Range(0, image.Width)
                   let c = image[x, y] where c.R > 150 && c.G < 100 && c.B < 100 select (x, y)).ToList();
        return red.Count == 0 ? (float.NaN, float.NaN) : ((float)red.Average(p => p.x), (float)red.Average(p => p.y));
    }

    /// <summary>Generate, every event until the stream ends (an RpcException if the call is refused).</summary>
    public static async Task<List<GenerationEvent>> RunAsync(ServiceClient client, GenerateRequest request, Metadata? headers = null)
    {
        using var call = client.Generate(request, headers, DateTime.UtcNow.AddMinutes(3));
        var events = new List<GenerationEvent>();
        await foreach (var e in call.ResponseStream.ReadAllAsync()) events.Add(e);
        return events;
    }
}
