using Grpc.Core;
using Grpc.Net.Client;

namespace Ttm.Protos;

/// <summary>A channel to a gateway whose every call carries a tenant's API key (<c>authorization: Bearer ttm_…</c>).</summary>
public static class TtmChannel
{
    /// <param name="apiKey">the tenant's key; none: calls go out unauthenticated (and GenerationService refuses them)</param>
    public static GrpcChannel Create(string address, string? apiKey)
    {
        if (string.IsNullOrEmpty(apiKey)) return GrpcChannel.ForAddress(address);
        var bearer = CallCredentials.FromInterceptor((_, metadata) =>
        {
            metadata.Add("authorization", $"Bearer {apiKey}");
            return Task.CompletedTask;
        });
        return GrpcChannel.ForAddress(address, new GrpcChannelOptions
        {
            Credentials = ChannelCredentials.Create(address.StartsWith("https:", StringComparison.OrdinalIgnoreCase) ? ChannelCredentials.SecureSsl : ChannelCredentials.Insecure, bearer),
            // Over plain h2c on loopback or inside a cluster network; a gateway reached across networks is reached over TLS.
            UnsafeUseInsecureChannelCallCredentials = true,
        });
    }
}
