using System.Net.Http;
using Grpc.Core;

namespace Ttm.Client;

/// <summary>
/// What is worth trying again: UNAVAILABLE (no gateway answers, a gateway draining, a connection refused or reset), and a
/// stream that broke mid-way (grpc-dotnet reports a reset HTTP/2 stream as INTERNAL or CANCELLED with an I/O error inside).
/// Never what the caller caused (INVALID_ARGUMENT, NOT_FOUND, RESOURCE_EXHAUSTED, …) and never the caller's own cancellation.
/// </summary>
public static class TransientFaults
{
    public static bool IsTransient(Exception exception, CancellationToken callerToken) => !callerToken.IsCancellationRequested && exception switch
    {
        RpcException { StatusCode: StatusCode.Unavailable } => true,
        RpcException { StatusCode: StatusCode.Internal or StatusCode.Cancelled or StatusCode.Unknown } e => Broken(e.InnerException) || Broken(e.Status.DebugException),
        HttpRequestException or IOException => true,
        _ => false,
    };

    static bool Broken(Exception? inner)
    {
        for (var e = inner; e is not null; e = e.InnerException)
            if (e is IOException or HttpRequestException or System.Net.Sockets.SocketException) return true;
        return false;
    }
}
