using System.Net;
using System.Net.Sockets;

namespace Ttm.Testing;

/// <summary>
/// A TCP relay on a free loopback port to a server's port, which can cut every connection through it at once (a network
/// drop, as a client meets it: the socket dies mid-stream) while it keeps accepting new ones.
/// </summary>
public sealed class LoopbackProxy : IAsyncDisposable
{
    readonly TcpListener listener;
    readonly int target;
    readonly CancellationTokenSource stopping = new();
    readonly List<TcpClient> open = [];
    readonly Task accepting;

    /// <param name="port">where it listens (0: a free port)</param>
    public LoopbackProxy(int targetPort, int port = 0)
    {
        target = targetPort;
        listener = new TcpListener(IPAddress.Loopback, port);
        listener.Start();
        accepting = AcceptAsync();
    }

    public int Port => ((IPEndPoint)listener.LocalEndpoint).Port;

    /// <summary>Connections cut so far.</summary>
    public int Dropped { get; private set; }

    async Task AcceptAsync()
    {
        while (!stopping.IsCancellationRequested)
        {
            TcpClient inbound;
            try
            {
                inbound = await listener.AcceptTcpClientAsync(stopping.Token);
            }
            catch (Exception) when (stopping.IsCancellationRequested)
            {
                return;
            }
            var outbound = new TcpClient();
            try
            {
                await outbound.ConnectAsync(IPAddress.Loopback, target, stopping.Token);
            }
            catch (Exception)
            {
                inbound.Dispose();
                outbound.Dispose();
                continue;
            }
            lock (open) open.AddRange([inbound, outbound]);
            _ = Task.WhenAny(Pump(inbound, outbound), Pump(outbound, inbound)).ContinueWith(_ => Close(inbound, outbound), TaskScheduler.Default);
        }
    }

    async Task Pump(TcpClient from, TcpClient to)
    {
        try
        {
            await from.GetStream().CopyToAsync(to.GetStream(), stopping.Token);
        }
        catch (Exception) { } // cut, or closed by either side
    }

    void Close(params TcpClient[] sockets)
    {
        lock (open)
            foreach (var socket in sockets)
            {
                open.Remove(socket);
                socket.Dispose();
            }
    }

    /// <summary>Cuts every open connection (reset, not a clean close); new connections are still relayed.</summary>
    public int DropAll()
    {
        TcpClient[] cut;
        lock (open) cut = [.. open];
        foreach (var socket in cut)
        {
            try
            {
                socket.Client.LingerState = new LingerOption(true, 0); // RST: what a dropped network looks like to a peer
            }
            catch (Exception) { }
        }
        Close(cut);
        Dropped += cut.Length / 2;
        return cut.Length / 2;
    }

    public async ValueTask DisposeAsync()
    {
        stopping.Cancel();
        listener.Stop();
        DropAll();
        await accepting;
        stopping.Dispose();
    }
}
