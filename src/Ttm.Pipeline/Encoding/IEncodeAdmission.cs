using Ttm.Pipeline.Devices;

namespace Ttm.Pipeline.Encoding;

/// <summary>
/// Where one encode (an ffmpeg process: CPU work outside the networks) runs, tenants in turn. Admission is per process,
/// not per generation, so a tenant's encode waits behind at most one process of another tenant's, not all of its files.
/// </summary>
public interface IEncodeAdmission
{
    Task<T> RunAsync<T>(string tenant, WorkPriority priority, Func<Task<T>> encode, CancellationToken cancellationToken);
}
