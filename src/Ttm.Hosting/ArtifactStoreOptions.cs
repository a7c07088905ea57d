using Microsoft.Extensions.Configuration;

namespace Ttm.Hosting;

/// <summary>Ttm:Artifacts: the folder of the <see cref="DirectoryArtifactStore"/>, shared by the gateway and every silo (a shared volume in a cluster).</summary>
public sealed class ArtifactStoreOptions
{
    public const string Section = "Ttm";

    public string Artifacts { get; set; } = Path.Combine("artifacts", "store");

    /// <summary>The folder as hosts need it while they are being built (to check it before anything starts).</summary>
    public static string FolderFrom(IConfiguration configuration) =>
        configuration.GetSection(Section).Get<ArtifactStoreOptions>()?.Artifacts ?? new ArtifactStoreOptions().Artifacts;
}
