using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;

namespace Ttm.Gateway;

/// <summary>Generation ids: random, or derived from the tenant and the client's request id so that a repeated Generate finds the first.</summary>
public static partial class GenerationIds
{
    public static string For(string tenant, string requestId) => requestId.Length == 0
        ? $"gen-{Guid.NewGuid():N}"
        : $"gen-{Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes($"{tenant}\n{requestId}")))[..32].ToLowerInvariant()}";

    [GeneratedRegex("^gen-[0-9a-f]{32}$")]
    private static partial Regex Shape();

    /// <summary>Refuses what cannot be a generation id (InvalidArgument) before any grain is asked about it.</summary>
    public static void Require(string id)
    {
        if (string.IsNullOrEmpty(id)) throw GenerationErrors.Invalid("generation_id is empty.");
        if (!Shape().IsMatch(id))
            throw GenerationErrors.Invalid($"generation_id must be 'gen-' and 32 lower-case hex digits, as Generate and List give them (got {id.Length} characters).");
    }
}
