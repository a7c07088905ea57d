using System.CommandLine;
using Grpc.Core;
using Ttm.Gateway.Tenants;
using Ttm.Client;

namespace Ttm.Cli.Commands;

/// <summary>
/// <c>./ttm watch ID</c>, <c>./ttm cancel ID</c>, <c>./ttm list</c>, <c>./ttm continue ID</c>, <c>./ttm vary ID</c>: talk to a
/// running gateway.
/// </summary>
static class RemoteCommands
{
    public static readonly Option<string> Server = new("--server") { Description = "Gateway address", DefaultValueFactory = _ => "http://127.0.0.1:5080" };

    public static readonly Option<string?> Key = new("--api-key")
    {
        Description = "The tenant's API key (default: $TTM_API_KEY, else the embedded server's own key in " + "artifacts/api-key)",
    };

    /// <summary>
    /// A client (<see cref="TtmClient"/>: resumes dropped streams, retries UNAVAILABLE) of the gateway at <paramref name="address"/>
    /// (default --server), as the tenant of --api-key, $TTM_API_KEY or the embedded server's key file.
    /// </summary>
    public static TtmClient Client(ParseResult result, string? address = null)
    {
        var key = result.GetValue(Key) ?? Environment.GetEnvironmentVariable("TTM_API_KEY");
        var file = new AuthOptions().LocalKeyFile;
        if (string.IsNullOrEmpty(key) && File.Exists(file)) key = File.ReadAllText(file).Trim();
        return new TtmClient(address ?? result.GetValue(Server)!, key);
    }

    public static IEnumerable<Command> Create()
    {
        var id = new Argument<string>("id") { Description = "Generation id (from the accepted event or ./ttm list)" };
        var after = new Option<long>("--after") { Description = "Replay only events after this sequence number" };
        var output = new Option<DirectoryInfo>("--out") { DefaultValueFactory = _ => new DirectoryInfo(Path.Combine("out", "watch")) };
        var watch = new Command("watch", "Replay and follow a generation's events") { id, after, output, Server, Key };
        watch.SetAction(async (result, cancellationToken) => await Guard(async () =>
        {
            using var client = Client(result);
            return await Progress.Render(client.WatchAsync(result.GetValue(id)!, result.GetValue(after), cancellationToken), result.GetValue(output)!.FullName, saveVideo: true, cancellationToken);
        }));

        var cancelId = new Argument<string>("id");
        var reason = new Option<string>("--reason") { DefaultValueFactory = _ => "cancelled from the command line" };
        var cancel = new Command("cancel", "Cancel a running generation") { cancelId, reason, Server, Key };
        cancel.SetAction(async (result, cancellationToken) => await Guard(async () =>
        {
            using var client = Client(result);
            var g = await client.CancelAsync(result.GetValue(cancelId)!, result.GetValue(reason)!, cancellationToken);
            Console.WriteLine($"{g.GenerationId}: {g.State}");
            return 0;
        }));

        var list = new Command("list", "The generations of this tenant, newest first") { Server, Key };
        list.SetAction(async (result, cancellationToken) => await Guard(async () =>
        {
            using var client = Client(result);
            var response = await client.ListAsync(cancellationToken: cancellationToken);
            foreach (var g in response.Generations) Console.WriteLine($"{g.GenerationId}  {g.State,-10}  {g.LastSeq,4} events  {g.Prompt}");
            return 0;
        }));
        var reviewedId = new Argument<string>("id") { Description = "A generation awaiting review (started with stop_after_motion)" };
        var continueSeed = new Option<long?>("--seed") { Description = "The video stage's seed (default: the request's)" };
        var paths = new Option<string[]>("--path")
        {
            Description = "An object dragged instead of its reviewed motion: OBJECT:X,Y;X,Y;… (the plan's object index, then points in the " +
                "image's pixels spread evenly over the clip, the first at its start); repeat per object",
            AllowMultipleArgumentsPerToken = true,
        };
        var continueOutput = new Option<DirectoryInfo>("--out") { DefaultValueFactory = _ => new DirectoryInfo(Path.Combine("out", "continue")) };
        var resume = new Command("continue", "Render the video of a generation awaiting review, objects optionally dragged along new paths")
        {
            reviewedId, continueSeed, paths, continueOutput, Server, Key,
        };
        resume.SetAction(async (result, cancellationToken) => await Guard(async () =>
        {
            var request = new Protos.V1.ContinueRequest { GenerationId = result.GetValue(reviewedId)! };
            if (result.GetValue(continueSeed) is { } seed) request.Seed = seed;
            request.Paths.AddRange((result.GetValue(paths) ?? []).Select(ObjectPaths.Parse));
            using var client = Client(result);
            return await Progress.Render(client.ContinueAsync(request, cancellationToken), result.GetValue(continueOutput)!.FullName, saveVideo: true, cancellationToken);
        }));

        var sourceId = new Argument<string>("id") { Description = "A completed generation: its trajectory is reused, stage 1 and segmentation not run again" };
        var varySeed = new Option<long?>("--seed") { Description = "The video stage's seed (default: random)" };
        var requestId = new Option<string?>("--request-id") { Description = "Idempotency key: the same id again answers with the first variation" };
        var varyOutput = new Option<DirectoryInfo>("--out") { DefaultValueFactory = _ => new DirectoryInfo(Path.Combine("out", "vary")) };
        var vary = new Command("vary", "Another video from a completed generation's trajectory with another seed: a new generation linked to its source")
        {
            sourceId, varySeed, requestId, varyOutput, Server, Key,
        };
        vary.SetAction(async (result, cancellationToken) => await Guard(async () =>
        {
            var request = new Protos.V1.VaryRequest { SourceId = result.GetValue(sourceId)!, RequestId = result.GetValue(requestId) ?? "" };
            if (result.GetValue(varySeed) is { } seed) request.Seed = seed;
            using var client = Client(result);
            return await Progress.Render(client.VaryAsync(request, cancellationToken), result.GetValue(varyOutput)!.FullName, saveVideo: true, cancellationToken);
        }));
        return [watch, cancel, list, resume, vary];
    }

    /// <summary>A server error, or an argument the command could not read, is a message and exit code 2, not a stack trace.</summary>
    public static async Task<int> Guard(Func<Task<int>> action)
    {
        try
        {
            return await action();
        }
        catch (RpcException e)
        {
            Console.Error.WriteLine($"error ({e.StatusCode}): {e.Status.Detail}");
            return 2;
        }
        catch (ArgumentException e)
        {
            Console.Error.WriteLine($"error: {e.Message}");
            return 2;
        }
    }
}
