namespace Ttm.Silo.Tests;

/// <summary>The checkout these tests run in (the folder holding TtmCluster.sln).</summary>
static class Repository
{
    public static readonly string Root = Find();

    static string Find()
    {
        var directory = new DirectoryInfo(AppContext.BaseDirectory);
        while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "TtmCluster.sln"))) directory = directory.Parent;
        return directory?.FullName ?? throw new DirectoryNotFoundException("TtmCluster.sln is not above the test binaries.");
    }
}
