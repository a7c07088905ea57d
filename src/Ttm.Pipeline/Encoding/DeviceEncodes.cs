using Ttm.Pipeline.Devices;

namespace Ttm.Pipeline.Encoding;

/// <summary>
/// Encodes as jobs of a CPU device's worker: on a CPU device the encoder's processes take the same cores as the networks,
/// so they take them in the tenant's turn (charged to its device time) instead of beside another tenant's steps. Measured
/// with <c>./ttm bench tenants</c>: an encode running beside the device thread slowed a light tenant's steps and its own
/// encode waited behind a heavy tenant's whole set of files.
/// </summary>
public sealed class DeviceEncodes(DeviceWorker device) : IEncodeAdmission
{
    public Task<T> RunAsync<T>(string tenant, WorkPriority priority, Func<Task<T>> encode, CancellationToken cancellationToken) =>
        // The device thread waits for the process: no other work could use its cores meanwhile.
        device.RunAsync(() => encode().GetAwaiter().GetResult(), tenant, cancellationToken, priority);
}
