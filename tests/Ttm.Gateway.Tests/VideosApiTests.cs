using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Ttm.Protos.V1;

namespace Ttm.Gateway.Tests;

/// <summary>
/// The REST videos API end to end with a plain HttpClient (none of the project's code on the client side): the job object,
/// the event log as SSE and its resume, the content with ranges, list, cancel, delete, and the errors, each the gRPC
/// service's status as HTTP with the same message.
/// </summary>
public sealed class VideosApiTests(ServerFixture server) : IClassFixture<ServerFixture>
{
    HttpClient Http(string? key = null)
    {
        var http = new HttpClient { BaseAddress = new Uri(server.HttpAddress), Timeout = TimeSpan.FromMinutes(3) };
        if ((key ?? server.Key) is { Length: > 0 } k) http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", k);
        return http;
    }

    static MultipartFormDataContent Form(string prompt = "The red square moves right.", int steps = 2, byte[]? image = null, params (string Name, string Value)[] fields)
    {
        var form = new MultipartFormDataContent();
        var file = new ByteArrayContent(image ?? SampleRequests.Sample);
        file.Headers.ContentType = new MediaTypeHeaderValue("image/png");
        form.Add(file, "input_reference", "two-squares.png");
        form.Add(new StringContent(prompt), "prompt");
        form.Add(new StringContent(steps.ToString()), "steps");
        form.Add(new StringContent("1"), "preview_every");
        form.Add(new StringContent("64"), "size");
        foreach (var (name, value) in fields) form.Add(new StringContent(value), name);
        return form;
    }

    static async Task<JsonElement> Json(HttpResponseMessage response, HttpStatusCode expected)
    {
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == expected, $"{(int)response.StatusCode} {response.StatusCode}, not {expected}: {body}");
        return JsonDocument.Parse(body).RootElement;
    }

    static void AssertError(JsonElement body, string code, string containing)
    {
        Assert.Equal(code, body.GetProperty("error").GetProperty("code").GetString());
        Assert.Contains(containing, body.GetProperty("error").GetProperty("message").GetString());
    }

    /// <summary>SSE blocks of a whole response: (id, event, data).</summary>
    static async Task<List<(long Id, string Event, JsonElement Data)>> Events(HttpClient http, string id, long? lastEventId = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, $"/v1/videos/{id}/events");
        if (lastEventId is { } last) request.Headers.Add("Last-Event-ID", last.ToString());
        using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/event-stream", response.Content.Headers.ContentType?.MediaType);
        var text = await response.Content.ReadAsStringAsync();
        var events = new List<(long, string, JsonElement)>();
        foreach (var block in text.Split("\n\n", StringSplitOptions.RemoveEmptyEntries))
        {
            var lines = block.Split('\n');
            if (lines.All(l => l.StartsWith(':'))) continue;
            string Field(string name) => lines.Single(l => l.StartsWith(name + ": "))[(name.Length + 2)..];
            events.Add((long.Parse(Field("id")), Field("event"), JsonDocument.Parse(Field("data")).RootElement));
        }
        return events;
    }

    [Fact]
    public async Task StopAfterMotion_AwaitsReview_ThenContinue_RunsTheVideo_InTheSameEventLog()
    {
        using var http = Http();
        var job = await Json(await http.PostAsync("/v1/videos", Form(fields: [("seed", "12"), ("stop_after_motion", "true")])), HttpStatusCode.OK);
        var id = job.GetProperty("id").GetString()!;
        var first = await Events(http, id); // the stream ends at the review
        Assert.Equal("awaiting_review", first[^1].Event);
        Assert.Equal(["red square"], first[^1].Data.GetProperty("awaiting_review").GetProperty("objects").EnumerateArray().Select(o => o.GetString()));
        Assert.Equal("awaiting_review", (await Json(await http.GetAsync($"/v1/videos/{id}"), HttpStatusCode.OK)).GetProperty("status").GetString());

        var badPath = JsonContent.Create(new { paths = new[] { new { @object = 3, points = new[] { new { t = 0, x = 10, y = 10 }, new { t = 1, x = 20, y = 10 } } } } });
        AssertError(await Json(await http.PostAsync($"/v1/videos/{id}/continue", badPath), HttpStatusCode.BadRequest), "invalid_argument", "the plan has 1 objects");
        var continued = await Json(await http.PostAsync($"/v1/videos/{id}/continue", JsonContent.Create(new { seed = 9 })), HttpStatusCode.OK);
        Assert.Contains(continued.GetProperty("status").GetString(), new[] { "in_progress", "completed" });
        var rest = await Events(http, id, lastEventId: first[^1].Id);
        Assert.Equal("continued", rest[0].Event);
        Assert.Equal("completed", rest[^1].Event);
        Assert.Equal(Enumerable.Range(1, first.Count + rest.Count).Select(i => (long)i), first.Concat(rest).Select(e => e.Id));
        AssertError(await Json(await http.PostAsync($"/v1/videos/{id}/continue", JsonContent.Create(new { })), HttpStatusCode.BadRequest),
            "failed_precondition", "not awaiting review");
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync($"/v1/videos/{id}/content")).StatusCode);
    }

    [Fact]
    public async Task HintsField_DragsTheObjectAlongItsPath_WithoutStage1_AndBadHintsAreRefused()
    {
        using var http = Http();
        const string leftwards = """[{"path": [{"t": 0, "x": 53, "y": 80}, {"t": 1, "x": 13, "y": 80, "scale": 1}]}]""";
        var job = await Json(await http.PostAsync("/v1/videos", Form(fields: [("seed", "13"), ("hints", leftwards)])), HttpStatusCode.OK);
        var events = await Events(http, job.GetProperty("id").GetString()!);
        Assert.Equal("completed", events[^1].Event);
        Assert.Contains(events, e => e.Event == "motion_done"); // the drawn trajectory
        Assert.DoesNotContain(events, e => e.Event == "motion_preview"); // every object has a path: stage 1 never ran

        foreach (var (hints, message) in new[]
        {
            ("not json", "hints is not a JSON array"),
            ("""[{"path": [{"t": 0, "x": 53, "y": 80}, {"t": 1, "x": 900, "y": 80}]}]""", "outside the image"),
            ("""[{"pints": [{"x": 1, "y": 2}]}]""", "hints is not a JSON array"),
            ("[null]", "hints[0] is null"),
            ("[" + string.Join(",", Enumerable.Repeat("""{"points": [{"x": 1, "y": 2}]}""", 2_000)) + "]", "at most 16384 are accepted"),
        })
            AssertError(await Json(await http.PostAsync("/v1/videos", Form(fields: ("hints", hints))), HttpStatusCode.BadRequest), "invalid_argument", message);
    }

    [Fact]
    public async Task Create_Events_Content_List_Delete_EndToEnd()
    {
        using var http = Http();
        var job = await Json(await http.PostAsync("/v1/videos", Form(fields: ("seed", "11"))), HttpStatusCode.OK);
        var id = job.GetProperty("id").GetString()!;
        Assert.Equal("video", job.GetProperty("object").GetString());
        Assert.Contains(job.GetProperty("status").GetString(), new[] { "queued", "in_progress" });
        Assert.True(job.GetProperty("created_at").GetInt64() > 1_700_000_000);

        // The log as SSE: seq 1..N as ids, the proto's oneof names as events, and the same generation as gRPC's.
        var events = await Events(http, id);
        Assert.Equal(Enumerable.Range(1, events.Count).Select(i => (long)i), events.Select(e => e.Id));
        Assert.Equal("accepted", events[0].Event);
        Assert.Equal("completed", events[^1].Event);
        Assert.Contains(events, e => e.Event == "plan" && e.Data.GetProperty("plan").GetProperty("objects").GetArrayLength() == 1);
        var preview = events.First(e => e.Event == "video_preview").Data.GetProperty("video_preview");
        Assert.Equal([0x89, (byte)'P', (byte)'N', (byte)'G'], Convert.FromBase64String(preview.GetProperty("frames_png").GetString()!)[..4]);
        Assert.All(events, e => Assert.Equal(id, e.Data.GetProperty("generation_id").GetString()));

        // Resume after any seq: exactly the rest.
        var rest = await Events(http, id, lastEventId: 3);
        Assert.Equal(events.Skip(3).Select(e => (e.Id, e.Event)), rest.Select(e => (e.Id, e.Event)));

        var done = await Json(await http.GetAsync($"/v1/videos/{id}"), HttpStatusCode.OK);
        Assert.Equal("completed", done.GetProperty("status").GetString());
        Assert.Equal(100, done.GetProperty("progress").GetInt32());
        Assert.Equal(events.Count, done.GetProperty("last_seq").GetInt64());
        Assert.Equal(["video", "trajectory", "overlay", "summary"], done.GetProperty("variants").EnumerateArray().Select(v => v.GetString()));
        Assert.Equal(JsonValueKind.Null, done.GetProperty("error").ValueKind);

        // The MP4, whole and by range.
        var mp4 = await http.GetByteArrayAsync($"/v1/videos/{id}/content");
        Assert.Equal("ftyp", System.Text.Encoding.ASCII.GetString(mp4, 4, 4));
        using (var ranged = new HttpRequestMessage(HttpMethod.Get, $"/v1/videos/{id}/content"))
        {
            ranged.Headers.Range = new RangeHeaderValue(8, 27);
            using var part = await http.SendAsync(ranged);
            Assert.Equal(HttpStatusCode.PartialContent, part.StatusCode);
            Assert.Equal(mp4[8..28], await part.Content.ReadAsByteArrayAsync());
            Assert.Equal(mp4.Length, part.Content.Headers.ContentRange!.Length);
        }
        using (var trajectory = await http.GetAsync($"/v1/videos/{id}/content?variant=trajectory"))
        {
            Assert.Equal("video/mp4", trajectory.Content.Headers.ContentType?.MediaType);
            Assert.NotEqual(mp4, await trajectory.Content.ReadAsByteArrayAsync());
        }
        AssertError(await Json(await http.GetAsync($"/v1/videos/{id}/content?variant=webm"), HttpStatusCode.BadRequest), "invalid_argument", "has no webm");
        AssertError(await Json(await http.GetAsync($"/v1/videos/{id}/content?variant=poster"), HttpStatusCode.BadRequest), "invalid_argument", "variant must be one of");

        // gRPC sees the same generation.
        var grpc = await server.Client.GetAsync(new GetRequest { GenerationId = id });
        Assert.Equal(("Completed", 100), (grpc.State, grpc.Progress));

        // Newest first, and paginated.
        var second = (await Json(await http.PostAsync("/v1/videos", Form(steps: 1)), HttpStatusCode.OK)).GetProperty("id").GetString()!;
        var page = await Json(await http.GetAsync("/v1/videos?limit=1"), HttpStatusCode.OK);
        Assert.Equal("list", page.GetProperty("object").GetString());
        Assert.Equal(second, page.GetProperty("data")[0].GetProperty("id").GetString());
        Assert.True(page.GetProperty("has_more").GetBoolean());
        var next = await Json(await http.GetAsync($"/v1/videos?limit=1&after={Uri.EscapeDataString(page.GetProperty("after").GetString()!)}"), HttpStatusCode.OK);
        Assert.Equal(id, next.GetProperty("data")[0].GetProperty("id").GetString());

        // Delete: the bytes go, and the id is NotFound everywhere after.
        var deleted = await Json(await http.DeleteAsync($"/v1/videos/{id}"), HttpStatusCode.OK);
        Assert.True(deleted.GetProperty("deleted").GetBoolean());
        Assert.True(deleted.GetProperty("bytes_freed").GetInt64() > mp4.Length);
        AssertError(await Json(await http.GetAsync($"/v1/videos/{id}"), HttpStatusCode.NotFound), "not_found", id);
        AssertError(await Json(await http.GetAsync($"/v1/videos/{id}/events"), HttpStatusCode.NotFound), "not_found", id);
        Assert.False(Directory.Exists(Path.Combine(server.Store, id)));
        await Json(await http.DeleteAsync($"/v1/videos/{second}"), HttpStatusCode.OK);
    }

    [Fact]
    public async Task Cancel_EndsTheJobCancelled_AndContentIsNotThere()
    {
        using var http = Http();
        var id = (await Json(await http.PostAsync("/v1/videos", Form(steps: 200)), HttpStatusCode.OK)).GetProperty("id").GetString()!;
        AssertError(await Json(await http.GetAsync($"/v1/videos/{id}/content"), HttpStatusCode.BadRequest), "failed_precondition", "once it has completed");
        await Json(await http.PostAsync($"/v1/videos/{id}/cancel", null), HttpStatusCode.OK);
        var events = await Events(http, id);
        Assert.Equal("cancelled", events[^1].Event);
        var job = await Json(await http.GetAsync($"/v1/videos/{id}"), HttpStatusCode.OK);
        Assert.Equal("cancelled", job.GetProperty("status").GetString());
        Assert.Equal("cancelled", job.GetProperty("error").GetProperty("code").GetString());
        Assert.Contains("cancelled by request", job.GetProperty("error").GetProperty("message").GetString());
    }

    [Fact]
    public async Task Errors_AreJson_WithTheHttpStatusOfTheGrpcCode_AndNothingRefusedIsKept()
    {
        using var anonymous = Http(key: "");
        var unauthenticated = await anonymous.GetAsync("/v1/videos");
        AssertError(await Json(unauthenticated, HttpStatusCode.Unauthorized), "unauthenticated", "Authorization: Bearer");
        Assert.Equal("Bearer", unauthenticated.Headers.WwwAuthenticate.Single().Scheme);
        using var unknown = Http(key: "ttm_00000000_" + new string('a', 43));
        AssertError(await Json(await unknown.GetAsync("/v1/videos"), HttpStatusCode.Unauthorized), "unauthenticated", "Unknown API key");

        using var http = Http();
        int before = Directory.GetDirectories(server.Store).Length;
        AssertError(await Json(await http.PostAsync("/v1/videos", Form(image: "not an image"u8.ToArray())), HttpStatusCode.BadRequest), "invalid_argument", "not an image");
        AssertError(await Json(await http.PostAsync("/v1/videos", Form(prompt: " ")), HttpStatusCode.BadRequest), "invalid_argument", "prompt is empty");
        AssertError(await Json(await http.PostAsync("/v1/videos", Form(steps: 999)), HttpStatusCode.BadRequest), "invalid_argument", "motion_steps must lie in 1..200");
        AssertError(await Json(await http.PostAsync("/v1/videos", Form(fields: ("seed", "abc"))), HttpStatusCode.BadRequest), "invalid_argument", "Seed");
        AssertError(await Json(await http.PostAsync("/v1/videos", Form(fields: ("formats", "mp4,avi"))), HttpStatusCode.BadRequest), "invalid_argument", "'avi' is no format");
        AssertError(await Json(await http.PostAsync("/v1/videos", Form(fields: ("priority", "urgent"))), HttpStatusCode.BadRequest), "invalid_argument", "interactive or batch");
        AssertError(await Json(await http.PostAsync("/v1/videos", Form(fields: ("size", "big"))), HttpStatusCode.BadRequest), "invalid_argument", "size must be");
        using (var noFile = new MultipartFormDataContent { { new StringContent("The red square moves right."), "prompt" } })
            AssertError(await Json(await http.PostAsync("/v1/videos", noFile), HttpStatusCode.BadRequest), "invalid_argument", "input_reference is missing");
        // Four objects: the pipeline refuses it after acceptance, and what it stored is deleted at once.
        AssertError(await Json(await http.PostAsync("/v1/videos", Form(prompt: "The red square, the blue circle, the green square and the white square move left.")),
            HttpStatusCode.BadRequest), "invalid_argument", "objects");
        Assert.Equal(before, Directory.GetDirectories(server.Store).Length);

        AssertError(await Json(await http.GetAsync("/v1/videos/gen-00000000000000000000000000000000"), HttpStatusCode.NotFound), "not_found", "No generation");
        AssertError(await Json(await http.GetAsync("/v1/videos/..%2F..%2Fetc"), HttpStatusCode.BadRequest), "invalid_argument", "");
        AssertError(await Json(await http.GetAsync("/v1/videos?limit=9999"), HttpStatusCode.BadRequest), "invalid_argument", "limit must lie in");

        // A request id names one request: the same again is the same job, another request under it is 409.
        var first = await Json(await http.PostAsync("/v1/videos", Form(steps: 1, fields: ("request_id", "rest-idem-1"))), HttpStatusCode.OK);
        using var again = new HttpRequestMessage(HttpMethod.Post, "/v1/videos") { Content = Form(steps: 1) };
        again.Headers.Add("Idempotency-Key", "rest-idem-1");
        Assert.Equal(first.GetProperty("id").GetString(), (await Json(await http.SendAsync(again), HttpStatusCode.OK)).GetProperty("id").GetString());
        AssertError(await Json(await http.PostAsync("/v1/videos", Form(steps: 2, fields: ("request_id", "rest-idem-1"))), HttpStatusCode.Conflict),
            "already_exists", "rest-idem-1");
        await http.DeleteAsync($"/v1/videos/{first.GetProperty("id").GetString()}");
    }

    [Fact]
    public async Task AnotherTenantsJob_IsNotFound_AndTheRateLimitIs429WithRetryAfter()
    {
        using var owner = Http();
        var id = (await Json(await owner.PostAsync("/v1/videos", Form(steps: 1)), HttpStatusCode.OK)).GetProperty("id").GetString()!;
        var (_, otherKey) = await server.Keys.CreateAsync("rest-other");
        using var other = Http(otherKey);
        foreach (var path in new[] { $"/v1/videos/{id}", $"/v1/videos/{id}/events", $"/v1/videos/{id}/content" })
            AssertError(await Json(await other.GetAsync(path), HttpStatusCode.NotFound), "not_found", id);
        AssertError(await Json(await other.DeleteAsync($"/v1/videos/{id}"), HttpStatusCode.NotFound), "not_found", id);
        AssertError(await Json(await other.PostAsync($"/v1/videos/{id}/cancel", null), HttpStatusCode.NotFound), "not_found", id);
        Assert.Equal(0, (await Json(await other.GetAsync("/v1/videos"), HttpStatusCode.OK)).GetProperty("data").GetArrayLength());
        await Json(await owner.DeleteAsync($"/v1/videos/{id}"), HttpStatusCode.OK);

        // quota-rate may make 3 requests a minute (ServerFixture), on either API.
        var (_, limitedKey) = await server.Keys.CreateAsync("quota-rate");
        using var limited = Http(limitedKey);
        HttpResponseMessage last = null!;
        for (int i = 0; i < 4; i++) last = await limited.GetAsync("/v1/videos");
        AssertError(await Json(last, HttpStatusCode.TooManyRequests), "resource_exhausted", "requests per minute");
        Assert.True(last.Headers.RetryAfter?.Delta > TimeSpan.Zero);
    }

    [Fact]
    public async Task TheRestApi_AnswersOnItsOwnListenerOnly()
    {
        // The ops port has no videos API and the HTTP port no metrics: each endpoint lives on its listener.
        using var ops = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{server.OpsPort}") };
        Assert.Equal(HttpStatusCode.NotFound, (await ops.GetAsync("/v1/videos")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await ops.GetAsync("/openapi.json")).StatusCode);
        using var http = Http();
        Assert.Equal(HttpStatusCode.NotFound, (await http.GetAsync("/metrics")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync("/")).StatusCode);
    }

    /// <summary>
    /// The OpenAPI document served at /openapi.json describes every REST endpoint the gateway maps, and equals the committed
    /// docs/openapi.json, so a change to the API shows in review. After changing the API:
    /// <c>TTM_WRITE_OPENAPI=1 ./test.sh --filter OpenApi</c> rewrites it.
    /// </summary>
    [Fact]
    public async Task OpenApiDocument_DescribesEveryEndpoint_AndIsTheCommittedOne()
    {
        using var anonymous = Http(key: "");
        var served = System.Text.Json.Nodes.JsonNode.Parse(await anonymous.GetStringAsync("/openapi.json"))!.AsObject();
        // A document a client generator can use: a real title, where it is served, the bearer key on every call.
        Assert.Equal("TtmCluster videos API", served["info"]!["title"]!.GetValue<string>());
        Assert.Equal("http://127.0.0.1:5082", served["servers"]![0]!["url"]!.GetValue<string>());
        Assert.Equal("bearer", served["components"]!["securitySchemes"]!["bearer"]!["scheme"]!.GetValue<string>());
        Assert.NotNull(served["security"]![0]!["bearer"]);
        var paths = served["paths"]!.AsObject();
        var endpoints = server.Services.GetRequiredService<Microsoft.AspNetCore.Routing.EndpointDataSource>().Endpoints
            .OfType<Microsoft.AspNetCore.Routing.RouteEndpoint>()
            .Where(e => e.RoutePattern.RawText?.StartsWith("/v1/videos", StringComparison.Ordinal) == true)
            .SelectMany(e => e.Metadata.GetMetadata<Microsoft.AspNetCore.Routing.HttpMethodMetadata>()!.HttpMethods
                .Select(m => (Path: e.RoutePattern.RawText!.TrimEnd('/'), Method: m))) // the group's empty route is "/v1/videos/" 
            .ToList();
        Assert.Equal(9, endpoints.Count);
        foreach (var (path, method) in endpoints)
        {
            var operation = paths[path]?[method.ToLowerInvariant()];
            Assert.True(operation is not null, $"{method} {path} is mapped but not in /openapi.json");
            Assert.False(string.IsNullOrEmpty(operation!["summary"]?.GetValue<string>()), $"{method} {path} has no summary");
            Assert.NotNull(operation["responses"]?["401"]);
        }
        Assert.Equal(endpoints.Select(e => e.Path).Distinct().Order(), paths.Select(p => p.Key).Order());
        var create = paths["/v1/videos"]!["post"]!["requestBody"]!["content"]!["multipart/form-data"]!["schema"]!.ToJsonString();
        foreach (var field in new[] { "input_reference", "prompt", "seed", "steps", "size", "request_id" }) Assert.Contains($"\"{field}\"", create);

        var committed = Path.Combine(ServerFixture.Root, "docs", "openapi.json");
        var text = served.ToJsonString(new JsonSerializerOptions { WriteIndented = true }) + "\n";
        if (Environment.GetEnvironmentVariable("TTM_WRITE_OPENAPI") == "1") await File.WriteAllTextAsync(committed, text);
        Assert.True(File.Exists(committed), "docs/openapi.json is missing: TTM_WRITE_OPENAPI=1 ./test.sh --filter OpenApi writes it");
        Assert.True(text == await File.ReadAllTextAsync(committed),
            "/openapi.json differs from docs/openapi.json: the API changed; review and rewrite it with TTM_WRITE_OPENAPI=1 ./test.sh --filter OpenApi");
    }
}
