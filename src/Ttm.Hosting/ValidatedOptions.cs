using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Ttm.Hosting;

/// <summary>
/// The one way every host's options are checked: each options class has an <see cref="IValidateOptions{TOptions}"/> whose
/// messages name the setting, run at start (<c>ValidateOnStart</c>), and run the same where a host needs the values while it
/// is being built, before the container exists (clustering, listeners, authentication schemes).
/// </summary>
public static class ValidatedOptions
{
    /// <summary>Binds <paramref name="section"/> to <typeparamref name="TOptions"/>, checked by <typeparamref name="TValidator"/> at start.</summary>
    public static OptionsBuilder<TOptions> AddValidatedOptions<TOptions, TValidator>(this IServiceCollection services, IConfigurationSection section)
        where TOptions : class where TValidator : class, IValidateOptions<TOptions>
    {
        services.AddSingleton<IValidateOptions<TOptions>, TValidator>();
        return services.AddOptions<TOptions>().Bind(section).ValidateOnStart();
    }

    /// <summary>The options in <paramref name="section"/>, checked by <typeparamref name="TValidator"/> as at start.</summary>
    /// <exception cref="OptionsValidationException">a setting is wrong: every failure, each naming its setting</exception>
    public static TOptions Read<TOptions, TValidator>(IConfigurationSection section)
        where TOptions : class, new() where TValidator : IValidateOptions<TOptions>, new()
    {
        var options = section.Get<TOptions>() ?? new TOptions();
        var result = new TValidator().Validate(Options.DefaultName, options);
        return result.Failed ? throw new OptionsValidationException(section.Path, typeof(TOptions), result.Failures) : options;
    }

    /// <summary>Ttm:Cluster, checked: where the cluster keeps its state, as every host reads it while it is being built.</summary>
    public static ClusterStoreOptions ClusterStore(this IConfiguration configuration) =>
        Read<ClusterStoreOptions, ClusterStoreOptionsValidator>(configuration.GetSection(ClusterStoreOptions.Section));
}
