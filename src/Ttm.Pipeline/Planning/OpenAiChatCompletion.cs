using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;

namespace Ttm.Pipeline.Planning;

/// <summary>Any OpenAI-compatible chat-completions endpoint (vLLM, Ollama, llama.cpp server, …).</summary>
public sealed class OpenAiChatCompletion(HttpClient http, LlmPlannerOptions options) : IChatCompletion
{
    public string Describe => $"openai:{options.Model}";

    public async Task<string> CompleteAsync(string prompt, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(options.Endpoint!.ToString().TrimEnd('/') + "/chat/completions"))
        {
            Content = JsonContent.Create(new
            {
                model = options.Model,
                temperature = 0,
                messages = new[] { new { role = "user", content = prompt } },
            }),
        };
        if (options.ApiKey is { Length: > 0 } key) request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", key);
        using var response = await http.SendAsync(request, cancellationToken);
        if (!response.IsSuccessStatusCode)
            throw new HttpRequestException($"the planner endpoint answered {(int)response.StatusCode} {response.ReasonPhrase}");
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync(cancellationToken));
        return json.RootElement.GetProperty("choices")[0].GetProperty("message").GetProperty("content").GetString()
               ?? throw new FormatException("the planner's answer has no content");
    }
}
