using System.Net.Http.Headers;
using System.Security.Claims;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Options;

namespace Ttm.Gateway.Tenants;

/// <summary>
/// <c>authorization: Bearer ttm_…</c>: the key resolved through the <see cref="TenantKeyResolver"/>, and the tenant of its
/// record becomes the call's only tenant.
/// </summary>
public sealed class ApiKeyAuthentication(IOptionsMonitor<AuthenticationSchemeOptions> options, ILoggerFactory logger, UrlEncoder encoder,
    TenantKeyResolver keys) : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    public const string SchemeName = "ApiKey";

    protected override async Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        if (!AuthenticationHeaderValue.TryParse(Request.Headers.Authorization, out var header)
            || !header.Scheme.Equals("Bearer", StringComparison.OrdinalIgnoreCase) || header.Parameter is not { } token)
            return AuthenticateResult.NoResult();
        if (!ApiKey.LooksLikeKey(token)) return AuthenticateResult.Fail("The bearer token is not a ttm_ API key.");
        var key = await keys.ResolveAsync(token, Context.RequestAborted);
        if (key is null) return AuthenticateResult.Fail("Unknown API key.");
        if (key.Revoked) return AuthenticateResult.Fail($"API key {key.KeyId} was revoked at {key.RevokedAt:u}.");
        var identity = new ClaimsIdentity([new Claim(TenantClaims.Tenant, key.Tenant), new Claim("ttm:key", key.KeyId)], SchemeName);
        return AuthenticateResult.Success(new AuthenticationTicket(new ClaimsPrincipal(identity), SchemeName));
    }
}
