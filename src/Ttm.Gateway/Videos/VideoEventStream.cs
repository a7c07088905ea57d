using Google.Protobuf;
using Grpc.Core;
using GrainEvent = Ttm.Grains.GenerationEvent;

namespace Ttm.Gateway.Videos;

/// <summary>
/// A generation's event log as Server-Sent Events: <c>id:</c> is the event's seq (so a browser's, or any client's,
/// <c>Last-Event-ID</c> resumes after it with no gap and no duplicate), <c>event:</c> its kind as the proto's oneof names it
/// (plan, segmentation, motion_preview, motion_done, video_preview, video_chunk, completed, failed, cancelled, accepted), and
/// <c>data:</c> the same ttm.v1.GenerationEvent Watch streams, in the proto's JSON mapping with its field names (PNG and MP4
/// bytes as base64). A comment line every 15 s keeps proxies from closing a quiet stream; an error after the stream began
/// (the generation was deleted) is one <c>event: error</c> with the JSON error body.
/// </summary>
public static class VideoEventStream
{
    public static readonly TimeSpan KeepAlive = TimeSpan.FromSeconds(15);
    static readonly JsonFormatter Json = new(JsonFormatter.Settings.Default.WithPreserveProtoFieldNames(true));

    public static async Task WriteAsync(HttpResponse response, string id, IAsyncEnumerable<GrainEvent> events, EventMessages messages, CancellationToken cancellationToken)
    {
        response.ContentType = "text/event-stream";
        response.Headers.CacheControl = "no-cache";
        response.Headers["X-Accel-Buffering"] = "no"; // nginx-style proxies: do not hold events back
        await Comment(response, "ttm events", cancellationToken); // the headers go out now
        await using var e = events.GetAsyncEnumerator(cancellationToken);
        try
        {
            var next = e.MoveNextAsync().AsTask();
            while (true)
            {
                using (var quiet = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken))
                {
                    if (await Task.WhenAny(next, Task.Delay(KeepAlive, quiet.Token)) != next)
                    {
                        cancellationToken.ThrowIfCancellationRequested();
                        await Comment(response, "keep-alive", cancellationToken);
                        continue;
                    }
                    quiet.Cancel();
                }
                if (!await next) break;
                var message = await messages.ToMessageAsync(id, e.Current, cancellationToken);
                await response.WriteAsync($"id: {message.Seq}\nevent: {NameOf(message.EventCase)}\ndata: {Json.Format(message)}\n\n", cancellationToken);
                await response.Body.FlushAsync(cancellationToken);
                next = e.MoveNextAsync().AsTask();
            }
        }
        catch (GenerationRefusal refusal) when (!cancellationToken.IsCancellationRequested)
        {
            var body = System.Text.Json.JsonSerializer.Serialize(new RestError(new RestErrorDetail(RestErrors.CodeOf(refusal.Code), RefusalInterceptor.Text(refusal))));
            await response.WriteAsync($"event: error\ndata: {body}\n\n", cancellationToken);
        }
    }

    /// <summary>"motion_preview" for MotionPreview: the proto field's own name.</summary>
    public static string NameOf(Protos.V1.GenerationEvent.EventOneofCase kind) =>
        System.Text.Json.JsonNamingPolicy.SnakeCaseLower.ConvertName(kind.ToString());

    /// <summary>The seq to resume after: the Last-Event-ID header (what EventSource sends on reconnecting), else ?after=, else 0.</summary>
    public static long ResumeAfter(HttpRequest request, long? after)
    {
        var header = request.Headers["Last-Event-ID"].ToString();
        if (header.Length == 0) return after ?? 0;
        return long.TryParse(header, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var seq)
            ? seq : throw GenerationErrors.Invalid($"Last-Event-ID must be the seq of an event (a whole number ≥ 0), not '{header}'.");
    }

    static async Task Comment(HttpResponse response, string text, CancellationToken cancellationToken)
    {
        await response.WriteAsync($": {text}\n\n", cancellationToken);
        await response.Body.FlushAsync(cancellationToken);
    }
}
