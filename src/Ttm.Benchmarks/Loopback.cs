using System.Net;
using System.Net.Sockets;
using Grpc.Net.Client;
using Ttm.Protos.V1;

namespace Ttm.Benchmarks;

/// <summary>The serving benchmarks' server: on a free loopback port, reached only there.</summary>
public static class Loopback
{
    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    public static GenerationService.GenerationServiceClient Client(int port) => new(GrpcChannel.ForAddress($"http://127.0.0.1:{port}"));
}
