using Grpc.Core;
using Ttm.Protos.V1;

namespace Ttm.Gateway.Tests;

/// <summary>
/// Motion paths through the real server: a generation whose every object is dragged runs without stage 1 and ends; bad paths
/// are refused with INVALID_ARGUMENT, saying what is wrong, before anything is stored.
/// </summary>
public sealed class MotionPathRequestTests(ServerFixture server) : IClassFixture<ServerFixture>
{
    static PathPoint At(float t, float x, float y, float scale = 0) => new() { T = t, X = x, Y = y, Scale = scale };

    static GenerateRequest Dragged(params ObjectHint[] hints)
    {
        var request = SampleRequests.Small(steps: 2);
        request.Prompt = "The red square moves right while the white square slides down slowly.";
        request.Hints.Add(hints);
        return request;
    }

    static long SizeOf(string folder) =>
        Directory.Exists(folder) ? new DirectoryInfo(folder).EnumerateFiles("*", SearchOption.AllDirectories).Sum(f => f.Length) : 0;

    [Fact]
    public async Task EveryObjectDragged_RunsWithoutStageOne_ToItsVideo()
    {
        var client = await server.TenantAsync("paths");
        var request = Dragged(new ObjectHint { Path = { At(0, 30, 60), At(1, 90, 60) } }, new ObjectHint { Path = { At(0, 90, 30), At(0.5f, 90, 60, 1.5f) } });
        request.PreviewEvery = 1;
        var events = await SampleRequests.RunAsync(client, request);
        Assert.Equal(GenerationEvent.EventOneofCase.Completed, events[^1].EventCase);
        Assert.Contains(events, e => e.EventCase == GenerationEvent.EventOneofCase.MotionDone);
        Assert.DoesNotContain(events, e => e.EventCase == GenerationEvent.EventOneofCase.MotionPreview); // stage 1 took no step
    }

    public static TheoryData<string, ObjectHint[]> BadPaths => new()
    {
        { "2..16", [new ObjectHint { Path = { At(0, 10, 10) } }] },
        { "2..16", [new ObjectHint { Path = { Enumerable.Range(0, 17).Select(i => At(i / 16f, 10, 10)) } }] },
        { "each later", [new ObjectHint { Path = { At(0.5f, 10, 10), At(0.5f, 20, 10) } }] },
        { "each later", [new ObjectHint { Path = { At(0, 10, 10), At(float.NaN, 20, 10) } }] },
        { "outside the image", [new ObjectHint { Path = { At(0, 10, 10), At(1, 400, 10) } }] },
        { "not finite", [new ObjectHint { Path = { At(0, 10, 10), At(1, float.PositiveInfinity, 10) } }] },
        { "scale", [new ObjectHint { Path = { At(0, 10, 10), At(1, 20, 10, 9f) } }] },
        // A path for an object the prompt does not mention: refused once the plan is known (its upload removed).
        { "the prompt mentions 2 objects", [new ObjectHint { Points = { new Point { X = 5, Y = 5 } } }, new ObjectHint { Points = { new Point { X = 9, Y = 9 } } },
            new ObjectHint { Path = { At(0, 10, 10), At(1, 20, 10) } }] },
    };

    [Theory]
    [MemberData(nameof(BadPaths))]
    public async Task ABadPath_IsRefusedSayingWhy_AndLeavesNothingStored(string says, ObjectHint[] hints)
    {
        var client = await server.TenantAsync("bad-paths");
        long before = SizeOf(server.Store);
        var refused = await Assert.ThrowsAsync<RpcException>(() => SampleRequests.RunAsync(client, Dragged(hints)));
        Assert.Equal(StatusCode.InvalidArgument, refused.StatusCode);
        Assert.Contains(says, refused.Status.Detail);
        var clock = System.Diagnostics.Stopwatch.StartNew(); // a refusal after planning removes the upload as the generation ends
        while (SizeOf(server.Store) > before && clock.Elapsed < TimeSpan.FromSeconds(5)) await Task.Delay(50);
        Assert.Equal(before, SizeOf(server.Store));
    }
}
