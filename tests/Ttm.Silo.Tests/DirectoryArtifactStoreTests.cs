using Ttm.Hosting;

namespace Ttm.Silo.Tests;

/// <summary>The directory store's housekeeping: what a generation holds, its removal, and the sweep of orphaned temp files.</summary>
public sealed class DirectoryArtifactStoreTests : IDisposable
{
    readonly DirectoryArtifactStore store = new(Directory.CreateTempSubdirectory("ttm-store-").FullName);

    public void Dispose() => Directory.Delete(store.Root, recursive: true);

    [Fact]
    public async Task AGenerationsFolder_IsMeasured_AndDeletedWhole_WithoutTouchingAnother()
    {
        await store.PutAsync("gen-a/input.png", new byte[300], default);
        await store.PutAsync("gen-a/previews/motion-004.png", new byte[200], default);
        await store.PutAsync("gen-b/input.png", new byte[50], default);
        Assert.Equal(500, store.SizeOf("gen-a"));
        Assert.Equal(500, store.Delete("gen-a"));
        Assert.False(Directory.Exists(store.PathOf("gen-a")));
        Assert.Equal(50, store.SizeOf("gen-b"));
        Assert.Equal(0, store.Delete("gen-a"));
        Assert.Throws<ArgumentException>(() => store.Delete("../outside"));
    }

    [Fact]
    public async Task TheSweep_RemovesOnlyTempFilesOlderThanItsAge()
    {
        await store.PutAsync("gen-a/input.png", new byte[10], default);
        var orphan = store.PathOf("gen-a/chunks/0001.mp4.4242-dead.tmp");
        var fresh = store.PathOf("gen-a/chunks/0002.mp4.4242-live.tmp");
        Directory.CreateDirectory(Path.GetDirectoryName(orphan)!);
        await File.WriteAllBytesAsync(orphan, [1]);
        await File.WriteAllBytesAsync(fresh, [1]);
        File.SetLastWriteTimeUtc(orphan, DateTime.UtcNow.AddHours(-2));
        Assert.Equal(1, store.SweepTempFiles(TimeSpan.FromHours(1)));
        Assert.False(File.Exists(orphan));
        Assert.True(File.Exists(fresh));
        Assert.True(store.Exists("gen-a/input.png"));
    }
}
