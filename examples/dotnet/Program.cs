using Ttm.Client;
using Ttm.Protos.V1;

// Generate a video through a TtmCluster gateway with Ttm.Client, printing every event as it arrives:
//   dotnet run --project examples/dotnet -- http://127.0.0.1:5080 "$(cat artifacts/api-key)" samples/two-squares.png "The red square moves right." out/dotnet
// A dropped connection is resumed (Watch after the last seq) and UNAVAILABLE retried with backoff, inside the client.
if (args.Length < 4)
{
    Console.Error.WriteLine("usage: SERVER API_KEY IMAGE PROMPT [OUT]");
    return 2;
}
var (server, key, image, prompt, output) = (args[0], args[1], args[2], args[3], args.Length > 4 ? args[4] : Path.Combine("out", "dotnet"));
using var client = new TtmClient(server, key);
var request = new GenerateRequest
{
    Image = Google.Protobuf.ByteString.CopyFrom(await File.ReadAllBytesAsync(image)), Prompt = prompt, Seed = 1, MotionSteps = 4, VideoSteps = 4, PreviewEvery = 2,
};
try
{
    await foreach (var e in client.GenerateAsync(request))
    {
        Console.WriteLine($"#{e.Seq} {e.EventCase}" + e.EventCase switch
        {
            GenerationEvent.EventOneofCase.Plan => $" {e.Plan.MotionPrompt}",
            GenerationEvent.EventOneofCase.MotionPreview => $" step {e.MotionPreview.Step}/{e.MotionPreview.Steps}",
            GenerationEvent.EventOneofCase.VideoPreview => $" step {e.VideoPreview.Step}/{e.VideoPreview.Steps}",
            GenerationEvent.EventOneofCase.Failed => $" {e.Failed.Stage}: {e.Failed.Message}",
            _ => "",
        });
        if (e.EventCase is GenerationEvent.EventOneofCase.Failed or GenerationEvent.EventOneofCase.Cancelled) return 1;
        if (e.EventCase != GenerationEvent.EventOneofCase.Completed) continue;
        Directory.CreateDirectory(output);
        var path = Path.Combine(output, "video.mp4");
        await using var file = File.Create(path);
        Console.WriteLine($"video: {path} ({await client.DownloadVideoAsync(e.GenerationId, file)} bytes), id {e.GenerationId}");
    }
    return 0;
}
catch (Grpc.Core.RpcException e)
{
    Console.Error.WriteLine($"error ({e.StatusCode}): {e.Status.Detail}");
    return 2;
}
