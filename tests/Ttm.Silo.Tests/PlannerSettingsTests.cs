using Microsoft.Extensions.Configuration;
using Ttm.Pipeline.Planning;

namespace Ttm.Silo.Tests;

/// <summary>Ttm:Planner as a silo binds it (env Ttm__Planner__Endpoint, …): what makes the LLM planner the first choice.</summary>
public sealed class PlannerSettingsTests
{
    static LlmPlannerOptions? Bind(Dictionary<string, string?> settings) =>
        new ConfigurationBuilder().AddInMemoryCollection(settings).Build().GetSection(LlmPlannerOptions.Section).Get<LlmPlannerOptions>();

    [Fact]
    public void AnEndpoint_BindsWithItsLimits_AndMakesTheLlmPlannerFirst()
    {
        var options = Bind(new()
        {
            ["Ttm:Planner:Endpoint"] = "http://127.0.0.1:11434/v1", ["Ttm:Planner:Model"] = "qwen", ["Ttm:Planner:MaxTokens"] = "128",
            ["Ttm:Planner:Timeout"] = "00:00:05",
        });
        Assert.NotNull(options);
        Assert.True(options.Configured);
        Assert.Equal(new Uri("http://127.0.0.1:11434/v1"), options.Endpoint);
        Assert.Equal((128, TimeSpan.FromSeconds(5)), (options.MaxTokens, options.Timeout));
        Assert.IsType<LlmPromptPlanner>(PlannerFactory.Create(options, new HttpClient()));
    }

    [Fact]
    public void NoEndpointOrFile_LeavesTheRules()
    {
        Assert.False(Bind(new() { ["Ttm:Planner:Model"] = "qwen" })?.Configured ?? false);
        Assert.IsType<RulePromptPlanner>(PlannerFactory.Create(null));
    }
}
