using System.Security.Cryptography.X509Certificates;
using Ttm.Hosting;

namespace Ttm.Gateway.Hosting;

/// <summary>
/// Ttm:Tls: a PEM certificate (its chain) and private key; when set, both of the gateway's listeners serve TLS only (gRPC
/// over HTTP/2 with ALPN, operations over HTTPS). Mount them from a Secret (kubernetes.io/tls gives tls.crt and tls.key).
/// </summary>
public sealed class TlsOptions
{
    public const string Section = "Ttm:Tls";

    public string? Certificate { get; set; }
    public string? Key { get; set; }

    public bool Enabled => !string.IsNullOrWhiteSpace(Certificate);

    public static TlsOptions From(IConfiguration configuration) => configuration.GetSection(Section).Get<TlsOptions>() ?? new TlsOptions();

    /// <summary>The certificate with its key, or a message naming the setting that is wrong.</summary>
    public X509Certificate2 Load()
    {
        if (string.IsNullOrWhiteSpace(Key)) throw new SettingException($"{Section}:Certificate is set but {Section}:Key is not: give the PEM private key too.");
        foreach (var (name, file) in new[] { ("Certificate", Certificate!), ("Key", Key) })
            if (!File.Exists(file)) throw new SettingException($"{Section}:{name} names '{file}', which is not a file.");
        try
        {
            return X509Certificate2.CreateFromPemFile(Certificate!, Key);
        }
        catch (System.Security.Cryptography.CryptographicException e)
        {
            throw new SettingException($"{Section}:Certificate and {Section}:Key do not load as a PEM certificate and its key: {e.Message}");
        }
    }
}
