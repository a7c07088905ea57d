using System.Buffers.Binary;
using Google.Protobuf;
using Grpc.Core;
using Ttm.Protos;
using Ttm.Protos.V1;
using ServiceClient = Ttm.Protos.V1.GenerationService.GenerationServiceClient;

namespace Ttm.Gateway.Tests;

/// <summary>
/// A fuzz run through the real server: 1,000 malformed requests (random bytes, truncated and bomb images, NaN, infinite and
/// huge options, degenerate hints, odd ids, oversized fields of every call, request ids reused with other requests, bad
/// credentials), drawn from a fixed seed. Each is refused with
/// the status its fault calls for, none crashes or hangs the server, nothing refused stays on disk, and a good request
/// afterwards completes.
/// </summary>
public sealed class MalformedRequestTests(ServerFixture server) : IClassFixture<ServerFixture>
{
    static readonly byte[] Sample = SampleRequests.Sample; // 128×128

    static GenerateRequest Good() => SampleRequests.Small();

    static byte[] PngClaiming(uint width, uint height)
    {
        var png = Sample.ToArray();
        BinaryPrimitives.WriteUInt32BigEndian(png.AsSpan(16), width);
        BinaryPrimitives.WriteUInt32BigEndian(png.AsSpan(20), height);
        return png;
    }

    /// <summary>One malformed request of kind <paramref name="kind"/>, and the status it must get.</summary>
    static (string What, GenerateRequest Request, StatusCode Expected) Malformed(int kind, Random random)
    {
        var r = Good();
        float Odd() => new[] { float.NaN, float.PositiveInfinity, float.NegativeInfinity, -1f, 1e30f }[random.Next(5)];
        switch (kind)
        {
            case 0: r.Image = ByteString.CopyFrom(random.GetItems<byte>(Enumerable.Range(0, 256).Select(i => (byte)i).ToArray(), random.Next(1, 4096))); return ("random bytes", r, StatusCode.InvalidArgument);
            case 1: r.Image = ByteString.CopyFrom(Sample[..random.Next(Sample.Length * 3 / 10, Sample.Length * 8 / 10)]); return ("truncated PNG", r, StatusCode.InvalidArgument);
            case 2: r.Image = ByteString.CopyFrom(PngClaiming((uint)random.Next(12_001, int.MaxValue), (uint)random.Next(1, 100_000))); return ("bomb header", r, StatusCode.InvalidArgument);
            case 3: r.Image = ByteString.CopyFrom(Sample[..8].Concat(random.GetItems<byte>([0, 1, 7, 255, 73, 72, 68, 82], random.Next(0, 64))).ToArray()); return ("PNG signature, junk after", r, StatusCode.InvalidArgument);
            case 4: r.MotionGuidance = new Guidance { Visual = random.Next(6) == 0 ? 21f : Odd(), Text = 3 }; return ("odd guidance", r, StatusCode.InvalidArgument);
            case 5: r.VideoSteps = new[] { -1, 201, int.MaxValue, int.MinValue }[random.Next(4)]; return ("steps out of range", r, StatusCode.InvalidArgument);
            case 6: r.PreviewSize = new[] { 1, 15, 1025, int.MaxValue, -3 }[random.Next(5)]; return ("preview size out of range", r, StatusCode.InvalidArgument);
            case 7:
                PathPoint At(float t, float x = 10, float y = 10, float scale = 0) => new() { T = t, X = x, Y = y, Scale = scale };
                r.Hints.Add(random.Next(11) switch
                {
                    0 => new ObjectHint { Points = { new Point { X = Odd(), Y = 10 } } },
                    1 => new ObjectHint { Points = { new Point { X = 500, Y = 10 } } }, // outside the 128×128 image
                    2 => new ObjectHint { Box = new Box { X0 = 50, Y0 = 10, X1 = 20, Y1 = 40 } },
                    3 => new ObjectHint { Points = { Enumerable.Range(0, 17).Select(i => new Point { X = i, Y = i }) } },
                    // Motion paths: one point, too many, time out of order or range or not finite, off the image, odd scales.
                    4 => new ObjectHint { Path = { At(0) } },
                    5 => new ObjectHint { Path = { Enumerable.Range(0, 17).Select(i => At(i / 16f)) } },
                    6 => new ObjectHint { Path = { At(0.5f), At(0.5f - random.NextSingle() / 2) } },
                    7 => new ObjectHint { Path = { At(0), At(random.Next(2) == 0 ? Odd() : 1.5f) } },
                    8 => new ObjectHint { Path = { At(0), At(1, x: random.Next(2) == 0 ? Odd() : 129 + random.Next(1000)) } },
                    9 => new ObjectHint { Path = { At(0), At(1, scale: new[] { float.NaN, -1f, 0.1f, 5f, float.PositiveInfinity }[random.Next(5)]) } },
                    _ => new ObjectHint(),
                });
                return ("degenerate hint", r, StatusCode.InvalidArgument);
            case 8: for (int i = 0; i < 9; i++) r.Hints.Add(new ObjectHint { Points = { new Point { X = 1, Y = 1 } } }); return ("too many hints", r, StatusCode.InvalidArgument);
            case 9 when random.Next(3) == 0: r.StepCache = (StepCache)random.Next(4, 1000); return ("unknown step cache", r, StatusCode.InvalidArgument);
            case 9: r.DeadlineSeconds = new[] { double.NaN, double.PositiveInfinity, -1, 1e12 }[random.Next(4)]; return ("odd deadline", r, StatusCode.InvalidArgument);
            case 10:
                r.Formats.Add(random.Next(3) switch { 0 => [VideoFormat.Mp4, VideoFormat.Mp4], 1 => [(VideoFormat)99], _ => [VideoFormat.Mp4, VideoFormat.Webm, VideoFormat.Gif, VideoFormat.PngFrames, VideoFormat.Unspecified] });
                return ("odd formats", r, StatusCode.InvalidArgument);
            case 11: r.RequestId = random.Next(2) == 0 ? new string('r', 129 + random.Next(10_000)) : "order\n17"; return ("odd request id", r, StatusCode.InvalidArgument);
            case 12: r.Prompt = random.Next(2) == 0 ? " \t " : new string('a', 2_001 + random.Next(100_000)); return ("odd prompt", r, StatusCode.InvalidArgument);
            default: r.Image = ByteString.CopyFrom(PngClaiming(0, (uint)random.Next(0, 10))); return ("zero-sized image", r, StatusCode.InvalidArgument);
        }
    }

    static async Task<StatusCode?> Send(ServiceClient client, GenerateRequest request)
    {
        try
        {
            using var call = client.Generate(request, deadline: DateTime.UtcNow.AddSeconds(60));
            await foreach (var _ in call.ResponseStream.ReadAllAsync()) { }
            return null;
        }
        catch (RpcException e)
        {
            return e.StatusCode;
        }
    }

    /// <summary>An oversized string in a field of the other calls (ids, reasons, page tokens), or a request id reused with another request.</summary>
    static async Task<(string What, StatusCode? Status, StatusCode Expected)> Other(ServiceClient client, int kind, Random random, string anchor)
    {
        string Huge() => new(random.Next(2) == 0 ? 'x' : '\u00e9', 10_000 + random.Next(1_000_000));
        async Task<StatusCode?> Call(Func<Task> call)
        {
            try
            {
                await call();
                return null;
            }
            catch (RpcException e)
            {
                return e.StatusCode;
            }
        }
        switch (kind)
        {
            case 0: return ("oversized cancel reason", await Call(async () => await client.CancelAsync(new CancelRequest { GenerationId = anchor, Reason = Huge() })), StatusCode.InvalidArgument);
            case 1:
                var id = Huge();
                return ("oversized generation id", await Call(random.Next(3) switch
                {
                    0 => async () => await client.GetAsync(new GetRequest { GenerationId = id }),
                    1 => async () => await client.DeleteAsync(new DeleteRequest { GenerationId = id }),
                    _ => async () => await client.CancelAsync(new CancelRequest { GenerationId = id }),
                }), StatusCode.InvalidArgument);
            case 2: return ("oversized page token", await Call(async () => await client.ListAsync(new ListRequest { PageToken = Huge() })), StatusCode.InvalidArgument);
            default:
                var reused = Good();
                reused.RequestId = "fuzz-anchor";
                if (random.Next(2) == 0) reused.Prompt = $"The white square slides down {random.Next()} times.";
                else reused.Image = ByteString.CopyFrom(Sample.Concat(new byte[random.Next(1, 1_000_000)]).ToArray());
                return ("request id reused with another request", await Send(client, reused), StatusCode.AlreadyExists);
        }
    }

    [Fact]
    public async Task ARefusal_CarriesTheGoogleRpcStatus_WithABadRequestNamingTheField()
    {
        var request = Good();
        request.PreviewSize = 1025;
        var refused = await Assert.ThrowsAsync<RpcException>(async () =>
        {
            using var call = server.Client.Generate(request);
            await call.ResponseStream.MoveNext();
        });
        Assert.Equal(StatusCode.InvalidArgument, refused.StatusCode);
        var status = refused.GetRpcStatus(); // grpc-status-details-bin, as Google's client libraries read it
        Assert.NotNull(status);
        Assert.Equal((int)StatusCode.InvalidArgument, status.Code);
        Assert.Equal(refused.Status.Detail, status.Message);
        var violation = Assert.Single(status.GetDetail<Google.Rpc.BadRequest>()!.FieldViolations);
        Assert.Equal("preview_size", violation.Field);
        Assert.Contains("1025", violation.Description);
    }

    [Fact]
    public async Task AThousandMalformedRequests_AreEachRefused_NothingStays_AndTheServerServesOn()
    {
        var client = await server.TenantAsync("fuzz");
        // One accepted generation whose request id the fuzz reuses with other requests.
        var anchorRequest = Good();
        anchorRequest.RequestId = "fuzz-anchor";
        using (var anchorCall = client.Generate(anchorRequest, deadline: DateTime.UtcNow.AddMinutes(3)))
            Assert.Equal(GenerationEvent.EventOneofCase.Completed, (await anchorCall.ResponseStream.ReadAllAsync().ToListAsync())[^1].EventCase);
        var anchor = Assert.Single((await client.ListAsync(new ListRequest())).Generations).GenerationId;
        var before = Directory.GetFileSystemEntries(server.Store, "*", SearchOption.AllDirectories).Order().Select(f => (f, File.Exists(f) ? new FileInfo(f).Length : 0)).ToList();
        var random = new Random(20261201);
        var wrong = new List<string>();
        const int Requests = 1_000, Kinds = 18, GenerateKinds = 14;
        for (int i = 0; i < Requests; i++)
        {
            if (i % 100 == 99)
            {
                // Bad credentials and an oversized message, now and then.
                var badKey = new ServiceClient(TtmChannel.Create(server.Address, i % 200 == 99 ? "ttm_" + new string('z', 200) : "Bearer-less"));
                if (await Send(badKey, Good()) != StatusCode.Unauthenticated) wrong.Add($"#{i} bad credentials");
                continue;
            }
            var (what, status, expected) = i % Kinds < GenerateKinds
                ? await Generated(Malformed(i % Kinds, random))
                : await Other(client, i % Kinds - GenerateKinds, random, anchor);
            if (status != expected) wrong.Add($"#{i} {what}: {status?.ToString() ?? "accepted"}, not {expected}");
        }

        async Task<(string, StatusCode?, StatusCode)> Generated((string What, GenerateRequest Request, StatusCode Expected) m) => (m.What, await Send(client, m.Request), m.Expected);
        var huge = Good();
        huge.Image = ByteString.CopyFrom(new byte[33 * 1024 * 1024]);
        if (await Send(client, huge) is not (StatusCode.ResourceExhausted or StatusCode.InvalidArgument)) wrong.Add("33 MB image not refused");
        Assert.True(wrong.Count == 0, string.Join("\n", wrong.Take(20)));

        // Nothing refused was left behind, and nothing reused wrote into the anchor's folder.
        Assert.Equal(before, Directory.GetFileSystemEntries(server.Store, "*", SearchOption.AllDirectories).Order().Select(f => (f, File.Exists(f) ? new FileInfo(f).Length : 0)).ToList());
        Assert.Equal(anchor, Assert.Single((await client.ListAsync(new ListRequest())).Generations).GenerationId);
        using var good = client.Generate(Good(), deadline: DateTime.UtcNow.AddMinutes(3));
        Assert.Equal(GenerationEvent.EventOneofCase.Completed, (await good.ResponseStream.ReadAllAsync().ToListAsync())[^1].EventCase);
    }
}
