using System.CommandLine;
using Grpc.Core;
using Grpc.Net.Client;
using Ttm.Protos.V1;

namespace Ttm.Cli.Commands;

/// <summary><c>./ttm watch ID</c>, <c>./ttm cancel ID</c>, <c>./ttm list</c>: talk to a running gateway.</summary>
static class RemoteCommands
{
    public static readonly Option<string> Server = new("--server") { Description = "Gateway address", DefaultValueFactory = _ => "http://127.0.0.1:5080" };

    public static GenerationService.GenerationServiceClient Client(string address) => new(GrpcChannel.ForAddress(address));

    public static IEnumerable<Command> Create()
    {
        var id = new Argument<string>("id") { Description = "Generation id (from the accepted event or ./ttm list)" };
        var after = new Option<long>("--after") { Description = "Replay only events after this sequence number" };
        var output = new Option<DirectoryInfo>("--out") { DefaultValueFactory = _ => new DirectoryInfo(Path.Combine("out", "watch")) };
        var watch = new Command("watch", "Replay and follow a generation's events") { id, after, output, Server };
        watch.SetAction(async (result, cancellationToken) => await Guard(async () =>
        {
            using var call = Client(result.GetValue(Server)!).Watch(new WatchRequest { GenerationId = result.GetValue(id), AfterSeq = result.GetValue(after) }, cancellationToken: cancellationToken);
            return await Progress.Render(call.ResponseStream.ReadAllAsync(cancellationToken), result.GetValue(output)!.FullName, saveVideo: true, cancellationToken);
        }));

        var cancelId = new Argument<string>("id");
        var reason = new Option<string>("--reason") { DefaultValueFactory = _ => "cancelled from the command line" };
        var cancel = new Command("cancel", "Cancel a running generation") { cancelId, reason, Server };
        cancel.SetAction(async (result, cancellationToken) => await Guard(async () =>
        {
            var g = await Client(result.GetValue(Server)!).CancelAsync(new CancelRequest { GenerationId = result.GetValue(cancelId), Reason = result.GetValue(reason) }, cancellationToken: cancellationToken);
            Console.WriteLine($"{g.GenerationId}: {g.State}");
            return 0;
        }));

        var list = new Command("list", "The generations of this tenant, newest first") { Server };
        list.SetAction(async (result, cancellationToken) => await Guard(async () =>
        {
            var response = await Client(result.GetValue(Server)!).ListAsync(new ListRequest(), cancellationToken: cancellationToken);
            foreach (var g in response.Generations) Console.WriteLine($"{g.GenerationId}  {g.State,-10}  {g.LastSeq,4} events  {g.Prompt}");
            return 0;
        }));
        return [watch, cancel, list];
    }

    /// <summary>A server error is a message and exit code 2, not a stack trace.</summary>
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
    }
}
