using Microsoft.Extensions.Options;

namespace Ttm.Gateway.Tenants;

/// <summary>The embedded mode's key for tenant "default": made on the first start, kept in Ttm:Auth:LocalKeyFile (mode 0600) for <c>./ttm generate --server</c>.</summary>
public sealed partial class LocalTenantKey(TenantKeys keys, IOptions<AuthOptions> options, ILogger<LocalTenantKey> logger) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        await keys.EnsureLocalKeyAsync(options.Value.LocalKeyFile, cancellationToken);
        LogKey(logger, Path.GetFullPath(options.Value.LocalKeyFile));
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    [LoggerMessage(Level = LogLevel.Information, Message = "API key of tenant default in {File} (./ttm generate --server reads it)")]
    static partial void LogKey(ILogger logger, string file);
}
