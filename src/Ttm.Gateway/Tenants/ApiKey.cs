using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;

namespace Ttm.Gateway.Tenants;

/// <summary>
/// A tenant's API key: <c>ttm_&lt;key id&gt;_&lt;secret&gt;</c>, the secret 256 random bits (base64url). The key is shown once,
/// when it is made; the cluster keeps only its SHA-256 (a fast hash is enough for a secret of 256 random bits: there
/// is nothing to guess) and the key id, which names it in lists and revocations without revealing it.
/// </summary>
public static class ApiKey
{
    public const string Prefix = "ttm_";

    /// <summary>The longest key accepted for hashing (a real one is 56 characters); anything longer is refused unread.</summary>
    public const int MaxLength = 128;

    public static (string KeyId, string Key) New()
    {
        var keyId = Convert.ToHexString(RandomNumberGenerator.GetBytes(4)).ToLowerInvariant();
        return (keyId, $"{Prefix}{keyId}_{Base64Url.EncodeToString(RandomNumberGenerator.GetBytes(32))}");
    }

    public static bool LooksLikeKey(string token) => token.StartsWith(Prefix, StringComparison.Ordinal) && token.Length <= MaxLength;

    public static string Hash(string key) => Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(key))).ToLowerInvariant();
}
