using System.Security.Cryptography;
using System.Text;

namespace Ttm.Gateway;

/// <summary>Generation ids: random, or derived from the tenant and the client's request id so that a repeated Generate finds the first.</summary>
public static class GenerationIds
{
    public static string For(string tenant, string requestId) => requestId.Length == 0
        ? $"gen-{Guid.NewGuid():N}"
        : $"gen-{Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes($"{tenant}\n{requestId}")))[..32].ToLowerInvariant()}";
}
