using System.Net.Http.Headers;
using System.Security.Claims;
using System.Security.Cryptography;
using System.Text;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Options;

namespace Ttm.Gateway.Ops;

/// <summary>
/// HTTP Basic for operators (the dashboard in a browser, OpsService from `./ttm ops`): one account from
/// Ttm:Ops:User and Ttm:Ops:Password. With no password configured nobody is let in: operations are never open
/// to anonymous callers. Serve it behind TLS (the ingress) so the password never crosses in clear.
/// </summary>
public sealed class OpsAuthentication(IOptionsMonitor<AuthenticationSchemeOptions> options, ILoggerFactory logger, UrlEncoder encoder, IOptionsMonitor<OpsOptions> account,
    OpsSignInThrottle throttle)
    : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    public const string SchemeName = "OpsBasic";
    public const string Policy = "ops";

    protected override Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        if (!AuthenticationHeaderValue.TryParse(Request.Headers.Authorization, out var header) || !header.Scheme.Equals("Basic", StringComparison.OrdinalIgnoreCase))
            return Task.FromResult(AuthenticateResult.NoResult());
        var password = account.CurrentValue.Password;
        if (string.IsNullOrEmpty(password))
            return Task.FromResult(AuthenticateResult.Fail("Operations are closed: set Ttm:Ops:Password on the gateway."));
        var address = Context.Connection.RemoteIpAddress ?? System.Net.IPAddress.None;
        if (!throttle.MayTry(address))
            return Task.FromResult(AuthenticateResult.Fail($"Too many wrong operator passwords from this address; retry in a minute (at most {OpsSignInThrottle.FailuresPerMinute} a minute)."));
        var user = account.CurrentValue.User;
        string given;
        try
        {
            given = Encoding.UTF8.GetString(Convert.FromBase64String(header.Parameter ?? ""));
        }
        catch (FormatException)
        {
            throttle.Failed(address);
            return Task.FromResult(AuthenticateResult.Fail("The Basic credentials are not base64."));
        }
        var expected = $"{user}:{password}";
        if (!CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(given), Encoding.UTF8.GetBytes(expected)))
        {
            throttle.Failed(address);
            return Task.FromResult(AuthenticateResult.Fail("Wrong operator name or password."));
        }
        var identity = new ClaimsIdentity([new Claim(ClaimTypes.Name, user), new Claim(ClaimTypes.Role, Policy)], SchemeName);
        return Task.FromResult(AuthenticateResult.Success(new AuthenticationTicket(new ClaimsPrincipal(identity), SchemeName)));
    }

    protected override Task HandleChallengeAsync(AuthenticationProperties properties)
    {
        Response.Headers.WWWAuthenticate = "Basic realm=\"ttm-ops\", charset=\"UTF-8\"";
        return base.HandleChallengeAsync(properties);
    }
}
