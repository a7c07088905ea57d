using System.Security.Claims;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.IdentityModel.Tokens;
using StackExchange.Redis;
using Ttm.Hosting;

namespace Ttm.Gateway.Tenants;

/// <summary>
/// Who may call GenerationService, and as which tenant: an API key (<see cref="ApiKeyAuthentication"/>), or a JWT from the
/// platform's identity provider when Ttm:Auth:Jwt names one (its tenant claim becomes the tenant). One policy scheme picks by
/// the token's shape; the <see cref="Policy"/> admits only callers with a tenant, so an operator's credential is not a tenant.
/// </summary>
public static class TenantAuthentication
{
    public const string SchemeName = "Tenant";
    public const string JwtScheme = "TenantJwt";
    public const string Policy = "tenant";

    public static IServiceCollection AddTenantAuthentication(this IServiceCollection services, IConfiguration configuration)
    {
        // Read (and checked) here, before the container exists: the schemes depend on them.
        var options = ValidatedOptions.Read<AuthOptions, AuthOptionsValidator>(configuration.GetSection(AuthOptions.Section));
        services.AddValidatedOptions<AuthOptions, AuthOptionsValidator>(configuration.GetSection(AuthOptions.Section));
        services.AddValidatedOptions<TenantPolicyOptions, TenantPolicyOptionsValidator>(configuration.GetSection(TenantPolicyOptions.Section));

        var cluster = configuration.ClusterStore();
        if (cluster.UsesRedis)
            services.AddClusterRedis(cluster).AddSingleton<ITenantKeyStore>(sp => new RedisTenantKeyStore(sp.GetRequiredService<IConnectionMultiplexer>(), cluster.ServiceId));
        else
        {
            services.AddSingleton<ITenantKeyStore>(new FileTenantKeyStore(options.KeyFile));
            services.AddHostedService<LocalTenantKey>();
        }
        services.AddSingleton<TenantKeyResolver>();
        services.AddSingleton(TimeProvider.System);
        services.AddSingleton<TenantKeys>();

        var authentication = services.AddAuthentication(o => o.DefaultAuthenticateScheme = SchemeName)
            .AddScheme<AuthenticationSchemeOptions, ApiKeyAuthentication>(ApiKeyAuthentication.SchemeName, null)
            .AddPolicyScheme(SchemeName, "API key or JWT", policy => policy.ForwardDefaultSelector = context =>
                !options.Jwt.Enabled || context.Request.Headers.Authorization.ToString().StartsWith("Bearer " + ApiKey.Prefix, StringComparison.OrdinalIgnoreCase)
                    ? ApiKeyAuthentication.SchemeName : JwtScheme);
        if (options.Jwt.Enabled) authentication.AddJwtBearer(JwtScheme, jwt => Configure(jwt, options.Jwt));
        services.AddAuthorizationBuilder().AddPolicy(Policy, policy => policy.AddAuthenticationSchemes(SchemeName).RequireClaim(TenantClaims.Tenant));
        return services;
    }

    static void Configure(JwtBearerOptions jwt, AuthOptions.JwtOptions options)
    {
        jwt.MapInboundClaims = false;
        if (options.Authority is { Length: > 0 } authority) jwt.Authority = authority;
        jwt.TokenValidationParameters = new TokenValidationParameters
        {
            ValidIssuer = options.Issuer, ValidAudience = options.Audience, ValidateIssuer = true, ValidateAudience = true, ValidateLifetime = true,
            RequireExpirationTime = true, ClockSkew = TimeSpan.FromSeconds(30),
            IssuerSigningKey = options.SigningKey is { Length: > 0 } key ? new SymmetricSecurityKey(Convert.FromBase64String(key)) : null,
            ValidateIssuerSigningKey = true,
        };
        jwt.Events = new JwtBearerEvents
        {
            // One credential, one tenant: exactly one configured claim names it, and a token that carries the server's own
            // tenant claim besides (an attempt to name a second tenant) is no tenant's.
            OnTokenValidated = context =>
            {
                var claims = context.Principal?.Claims.ToList() ?? [];
                var named = claims.Where(c => c.Type == options.TenantClaim).Select(c => c.Value).ToList();
                if (options.TenantClaim != TenantClaims.Tenant && claims.Any(c => c.Type == TenantClaims.Tenant))
                    context.Fail($"The token carries a '{TenantClaims.Tenant}' claim; only its '{options.TenantClaim}' claim may name the tenant.");
                else if (named.Count != 1)
                    context.Fail($"The token must carry exactly one '{options.TenantClaim}' claim, not {named.Count}.");
                else if (!TenantNames.IsValid(named[0]))
                    context.Fail($"The token's '{options.TenantClaim}' claim is not a tenant name: {TenantNames.Rule}.");
                else
                    context.Principal = new ClaimsPrincipal(new ClaimsIdentity([new Claim(TenantClaims.Tenant, named[0])], JwtScheme));
                return Task.CompletedTask;
            },
        };
    }
}
