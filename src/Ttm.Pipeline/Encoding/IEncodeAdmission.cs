using Ttm.Pipeline.Devices;

namespace Ttm.Pipeline.Encoding;

/// <summary>
/// Where one encode (an ffmpeg process: CPU work outside the networks) runs, tenants in turn. A generation's files are
/// one process (<see cref="VideoEncoder.WriteAllAsync"/>), so a tenant's encode waits behind at most one generation's
/// encode of another tenant's, not all of that tenant's generations.
/// </summary>
public interface IEncodeAdmission
{
    Task<T> RunAsync<T>(string tenant, WorkPriority priority, Func<Task<T>> encode, CancellationToken cancellationToken);
}
