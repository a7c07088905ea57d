using System.CommandLine;
using StackExchange.Redis;
using Ttm.Gateway.Tenants;
using Ttm.Hosting;

namespace Ttm.Cli.Commands;

/// <summary>
/// <c>./ttm tenants create NAME | list | revoke KEY-ID|NAME | rotate NAME</c>: the tenants' API keys, in the cluster's Redis
/// (--cluster) or the embedded mode's key file. A new key is printed once, on stdout alone; only its hash is kept.
/// </summary>
static class TenantsCommand
{
    public static Command Create()
    {
        var cluster = new Option<string?>("--cluster") { Description = "The cluster's Redis, e.g. 127.0.0.1:6379 (none: the embedded mode's key file)" };
        var serviceId = new Option<string>("--service-id") { Description = "The cluster's Orleans service id", DefaultValueFactory = _ => new ClusterStoreOptions().ServiceId };
        var keyFile = new Option<FileInfo>("--key-file") { Description = "The embedded mode's key store", DefaultValueFactory = _ => new FileInfo(new AuthOptions().KeyFile) };
        var name = new Argument<string>("name") { Description = "Tenant name: lower-case letters, digits, dashes" };
        var which = new Argument<string>("key-id-or-name") { Description = "A key id (from list), or a tenant name for all its keys" };

        TenantKeys Keys(ParseResult result)
        {
            ITenantKeyStore store = result.GetValue(cluster) is { Length: > 0 } redis
                ? new RedisTenantKeyStore(ConnectionMultiplexer.Connect(new ClusterStoreOptions { Redis = redis }.RedisConnection()), result.GetValue(serviceId)!)
                : new FileTenantKeyStore(result.GetValue(keyFile)!.FullName);
            return new TenantKeys(store, TimeProvider.System);
        }

        var create = new Command("create", "A new API key for a tenant (printed once)") { name };
        create.SetAction(async (result, cancellationToken) => await Guard(async () =>
        {
            var (record, key) = await Keys(result).CreateAsync(result.GetValue(name)!, cancellationToken);
            Console.Error.WriteLine($"key {record.KeyId} for tenant {record.Tenant}; it is shown only now:");
            Console.WriteLine(key);
        }));

        var list = new Command("list", "Every key: id, tenant, created, revoked");
        list.SetAction(async (result, cancellationToken) => await Guard(async () =>
        {
            foreach (var k in await Keys(result).ListAsync(cancellationToken))
                Console.WriteLine($"{k.KeyId}  {k.Tenant,-24} created {k.CreatedAt:u}  {(k.Revoked ? $"revoked {k.RevokedAt:u}" : "active")}");
        }));

        var revoke = new Command("revoke", "Revoke a key, or every key of a tenant (every gateway refuses it within seconds)") { which };
        revoke.SetAction(async (result, cancellationToken) => await Guard(async () =>
        {
            var revoked = await Keys(result).RevokeAsync(result.GetValue(which)!, cancellationToken);
            if (revoked.Count == 0) throw new ArgumentException($"No active key or tenant '{result.GetValue(which)}'.");
            foreach (var k in revoked) Console.WriteLine($"revoked {k.KeyId} ({k.Tenant})");
        }));

        var rotate = new Command("rotate", "A new key for a tenant, and every older one revoked") { name };
        rotate.SetAction(async (result, cancellationToken) => await Guard(async () =>
        {
            var (record, key, revoked) = await Keys(result).RotateAsync(result.GetValue(name)!, cancellationToken);
            Console.Error.WriteLine($"key {record.KeyId} for tenant {record.Tenant} (revoked {string.Join(", ", revoked.Select(k => k.KeyId))}); it is shown only now:");
            Console.WriteLine(key);
        }));

        var command = new Command("tenants", "Tenants' API keys") { create, list, revoke, rotate };
        foreach (var option in new Option[] { cluster, serviceId, keyFile }) { option.Recursive = true; command.Options.Add(option); }
        return command;
    }

    static async Task<int> Guard(Func<Task> action)
    {
        try
        {
            await action();
            return 0;
        }
        catch (Exception e) when (e is ArgumentException or RedisConnectionException)
        {
            Console.Error.WriteLine($"error: {e.Message}");
            return 2;
        }
    }
}
