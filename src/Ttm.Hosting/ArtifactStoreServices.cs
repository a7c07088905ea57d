using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Ttm.Grains;

namespace Ttm.Hosting;

/// <summary>Says which artifact store setting is wrong.</summary>
public sealed class ArtifactStoreOptionsValidator : IValidateOptions<ArtifactStoreOptions>
{
    public ValidateOptionsResult Validate(string? name, ArtifactStoreOptions options) => string.IsNullOrWhiteSpace(options.Artifacts)
        ? ValidateOptionsResult.Fail("Ttm:Artifacts must name the artifact store's folder.")
        : ValidateOptionsResult.Success;
}

public static class ArtifactStoreServices
{
    /// <summary>
    /// The directory artifact store at <see cref="ArtifactStoreOptions.Artifacts"/> (Ttm:Artifacts), checked at start; from
    /// <paramref name="configuration"/> where a silo has its own (in-process test clusters), else the host's.
    /// </summary>
    public static IServiceCollection AddArtifactStore(this IServiceCollection services, IConfiguration? configuration = null)
    {
        var options = services.AddOptions<ArtifactStoreOptions>();
        (configuration is null ? options.BindConfiguration(ArtifactStoreOptions.Section) : options.Bind(configuration.GetSection(ArtifactStoreOptions.Section)))
            .ValidateOnStart();
        services.AddSingleton<IValidateOptions<ArtifactStoreOptions>, ArtifactStoreOptionsValidator>();
        services.AddSingleton<IArtifactStore>(sp => new DirectoryArtifactStore(sp.GetRequiredService<IOptions<ArtifactStoreOptions>>().Value.Artifacts, sp.GetService<System.Diagnostics.Metrics.IMeterFactory>()));
        return services;
    }
}
