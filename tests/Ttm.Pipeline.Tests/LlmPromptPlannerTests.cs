using System.Net;
using System.Text.Json;
using Ttm.Pipeline.Planning;

namespace Ttm.Pipeline.Tests;

public sealed class LlmPromptPlannerTests
{
    /// <summary>An OpenAI-compatible endpoint that answers from a script and records what it was asked.</summary>
    sealed class ScriptedEndpoint(Func<string, CancellationToken, Task<HttpResponseMessage>> answer) : HttpMessageHandler
    {
        public List<string> Requests { get; } = [];

        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            var body = await request.Content!.ReadAsStringAsync(cancellationToken);
            Requests.Add(request.RequestUri + " " + body);
            return await answer(body, cancellationToken);
        }

        public static HttpResponseMessage Chat(string content) => new(HttpStatusCode.OK)
        {
            Content = new StringContent(JsonSerializer.Serialize(new { choices = new[] { new { message = new { role = "assistant", content } } } })),
        };
    }

    static LlmPromptPlanner Planner(ScriptedEndpoint endpoint, TimeSpan? timeout = null)
    {
        var options = new LlmPlannerOptions
        {
            Endpoint = new Uri("http://127.0.0.1:9/v1"), Model = "llama-3.1-8b-instruct", Timeout = timeout ?? TimeSpan.FromSeconds(5), Retries = 1,
        };
        return new(new OpenAiChatCompletion(new HttpClient(endpoint), options), options, new RulePromptPlanner());
    }

    const string Caption = "The red car speeds away while the black car moves slowly to the left.";

    [Fact]
    public async Task AnswersInThePapersFormat_BecomeThePlan()
    {
        var endpoint = new ScriptedEndpoint((body, _) => Task.FromResult(ScriptedEndpoint.Chat(body.Contains("local prompt")
            ? "Answer: [[Object 1: The red car speeds away.] [Object 2: The black car moves slowly to the left.]]"
            : "Answer: The red car speeds away, and the black car moves slowly to the left.")));
        var plan = await Planner(endpoint).PlanAsync(Caption, CancellationToken.None);
        Assert.Equal("llm (openai:llama-3.1-8b-instruct)", plan.Planner);
        Assert.Equal("The red car speeds away, and the black car moves slowly to the left.", plan.MotionPrompt);
        Assert.Equal(["The red car speeds away.", "The black car moves slowly to the left."], plan.Objects.Select(o => o.LocalPrompt));
        Assert.Equal(["red car", "black car"], plan.Objects.Select(o => o.Name));
        Assert.Equal([null, "left"], plan.Objects.Select(o => o.Motion));
        Assert.Contains("/v1/chat/completions", endpoint.Requests[0]);
        Assert.Contains("llama-3.1-8b-instruct", endpoint.Requests[0]);
    }

    [Theory]
    [InlineData("Answer: Object 1 is the red car")]
    [InlineData("Answer: [[Object 2: The red car speeds away.]]")]
    [InlineData("Answer: [[Object 1: ]]")]
    [InlineData("")]
    public async Task MalformedAnswers_FallBackToTheRulePlanner_AfterRetrying(string badLocal)
    {
        var endpoint = new ScriptedEndpoint((body, _) => Task.FromResult(ScriptedEndpoint.Chat(body.Contains("local prompt") ? badLocal : "Answer: The car moves.")));
        var plan = await Planner(endpoint).PlanAsync(Caption, CancellationToken.None);
        Assert.StartsWith("rules (fallback:", plan.Planner);
        Assert.Equal(["red car", "black car"], plan.Objects.Select(o => o.Name));
        Assert.Equal(4, endpoint.Requests.Count); // two attempts × (motion, local)
    }

    [Fact]
    public async Task ASilentEndpoint_TimesOut_AndFallsBack()
    {
        var endpoint = new ScriptedEndpoint(async (_, cancellationToken) =>
        {
            await Task.Delay(TimeSpan.FromSeconds(30), cancellationToken); // like a socket, gives up when the client cancels
            return ScriptedEndpoint.Chat("too late");
        });
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var plan = await Planner(endpoint, TimeSpan.FromMilliseconds(200)).PlanAsync(Caption, CancellationToken.None);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(5), $"took {clock.Elapsed}");
        Assert.Contains("no answer within", plan.Planner);
        Assert.Equal(2, endpoint.Requests.Count);
    }

    [Fact]
    public async Task AnHttpError_IsReportedInTheFallback()
    {
        var endpoint = new ScriptedEndpoint((_, _) => Task.FromResult(new HttpResponseMessage(HttpStatusCode.ServiceUnavailable)));
        var plan = await Planner(endpoint).PlanAsync(Caption, CancellationToken.None);
        Assert.Contains("503", plan.Planner);
    }
}

public sealed class LlamaChatCompletionTests
{
    [Fact]
    public void TheCpuBackend_LoadsOnThisSystem() =>
        Assert.True(LLama.Native.NativeApi.llama_max_devices() >= 1); // throws if libllama.so cannot be loaded

    [Fact]
    public void AMissingGgufFile_IsAClearError() =>
        Assert.Contains("No GGUF model", Assert.Throws<FileNotFoundException>(() => new LlamaChatCompletion("/nonexistent/model.gguf")).Message);

    [Fact]
    public void AFileThatIsNotGguf_IsAClearError()
    {
        var file = Path.GetTempFileName();
        File.WriteAllText(file, "this is not a language model");
        try
        {
            Assert.Contains("not a GGUF model", Assert.Throws<InvalidDataException>(() => new LlamaChatCompletion(file)).Message);
        }
        finally
        {
            File.Delete(file);
        }
    }
}
