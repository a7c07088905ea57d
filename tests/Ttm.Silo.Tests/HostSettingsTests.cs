using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Ttm.Grains;
using Ttm.Hosting;

namespace Ttm.Silo.Tests;

/// <summary>
/// Every host's settings checked one way (an IValidateOptions per options class, run at start and where a host reads them
/// while it is being built), the message naming the setting; a setting stops a host with exit 2 and that message, a defect
/// does not pass for one.
/// </summary>
public sealed class HostSettingsTests
{
    static IConfiguration With(params (string Key, string Value)[] settings) =>
        new ConfigurationBuilder().AddInMemoryCollection(settings.Select(s => new KeyValuePair<string, string?>(s.Key, s.Value))).Build();

    [Theory]
    [InlineData("Ttm:Cluster:ProbeSeconds", "0", "Ttm:Cluster:ProbeSeconds must lie in (0, 60], not 0.")]
    [InlineData("Ttm:Cluster:MissedProbes", "11", "Ttm:Cluster:MissedProbes must lie in 1..10, not 11.")]
    [InlineData("Ttm:Cluster:MaxMessageBytes", "1024", "Ttm:Cluster:MaxMessageBytes must lie in 65536..104857600 (64 KiB to Orleans' 100 MiB), not 1024.")]
    public void ABadClusterSetting_IsRefused_NamingIt(string key, string value, string message)
    {
        var error = Assert.Throws<OptionsValidationException>(() => With((key, value)).ClusterStore());
        Assert.Equal([message], error.Failures);
    }

    [Fact]
    public void ABadListenerPort_IsRefused_NamingIt()
    {
        var section = With(("Ttm:Listen:HttpPort", "70000")).GetSection(HostListenOptions.Section);
        var error = Assert.Throws<OptionsValidationException>(() => ValidatedOptions.Read<HostListenOptions, HostListenOptionsValidator>(section));
        Assert.Equal(["Ttm:Listen:HttpPort must be a TCP port (0..65535, 0 for any free one), not 70000."], error.Failures);
    }

    [Fact]
    public void NoSettings_AreTheEmbeddedDefaults()
    {
        var cluster = With().ClusterStore();
        Assert.False(cluster.UsesRedis);
        Assert.Equal(ClusterStoreOptions.DefaultMaxMessageBytes, cluster.MaxMessageBytes);
    }

    sealed class NeverBuilt : IHost
    {
        public IServiceProvider Services => throw new NotSupportedException();
        public Task StartAsync(CancellationToken cancellationToken = default) => Task.CompletedTask;
        public Task StopAsync(CancellationToken cancellationToken = default) => Task.CompletedTask;
        public void Dispose() { }
    }

    [Fact]
    public async Task ASetting_ExitsTwo_ButADefect_KeepsItsStackTrace()
    {
        Assert.Equal(2, await StartupChecks.RunHostAsync(() => throw new SettingException("Ttm:Artifacts cannot be written.")));
        Assert.Equal(2, await StartupChecks.RunHostAsync(() => { With(("Ttm:Cluster:ProbeSeconds", "-1")).ClusterStore(); return new NeverBuilt(); }));
        // A DI mistake is no setting: it is not turned into "error: …" and exit 2.
        await Assert.ThrowsAsync<InvalidOperationException>(() => StartupChecks.RunHostAsync(() => throw new InvalidOperationException("No service for type 'X' has been registered.")));
    }
}
