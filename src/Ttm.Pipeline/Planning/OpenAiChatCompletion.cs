using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;

namespace Ttm.Pipeline.Planning;

/// <summary>
/// Any OpenAI-compatible chat-completions endpoint (vLLM, Ollama, llama.cpp server, …), asked for a bounded answer
/// (max_tokens); a response body over <see cref="MaxResponseBytes"/> is refused unread.
/// </summary>
public sealed class OpenAiChatCompletion(HttpClient http, LlmPlannerOptions options) : IChatCompletion
{
    public const int MaxResponseBytes = 256 * 1024;

    public string Describe => $"openai:{options.Model}";

    public async Task<string> CompleteAsync(string prompt, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(options.Endpoint!.ToString().TrimEnd('/') + "/chat/completions"))
        {
            Content = JsonContent.Create(new
            {
                model = options.Model,
                temperature = 0,
                max_tokens = options.MaxTokens,
                messages = new[] { new { role = "user", content = prompt } },
            }),
        };
        if (options.ApiKey is { Length: > 0 } key) request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", key);
        using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
        if (!response.IsSuccessStatusCode)
            throw new HttpRequestException($"the planner endpoint answered {(int)response.StatusCode} {response.ReasonPhrase}");
        var body = new MemoryStream();
        await using (var stream = await response.Content.ReadAsStreamAsync(cancellationToken))
        {
            var buffer = new byte[16 * 1024];
            int read;
            while ((read = await stream.ReadAsync(buffer, cancellationToken)) > 0)
            {
                if (body.Length + read > MaxResponseBytes) throw new FormatException($"the planner's answer is over {MaxResponseBytes / 1024} KB");
                body.Write(buffer, 0, read);
            }
        }
        body.Position = 0;
        using var json = JsonDocument.Parse(body);
        return json.RootElement.GetProperty("choices")[0].GetProperty("message").GetProperty("content").GetString()
               ?? throw new FormatException("the planner's answer has no content");
    }
}
