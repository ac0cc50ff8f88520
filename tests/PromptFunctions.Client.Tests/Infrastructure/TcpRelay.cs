using System.Net;
using System.Net.Sockets;

namespace PromptFunctions.Client.Tests.Infrastructure;

/// <summary>
/// A loopback port that resets every connection until <see cref="ForwardTo"/> is called, then relays connections
/// to the target: a service that is down and then comes back at the same address.
/// </summary>
public sealed class TcpRelay : IAsyncDisposable
{
    private readonly TcpListener _listener;
    private readonly CancellationTokenSource _stop = new();
    private volatile Uri? _target;

    private TcpRelay(TcpListener listener)
    {
        _listener = listener;
        Address = new Uri($"http://127.0.0.1:{((IPEndPoint)listener.LocalEndpoint).Port}/");
    }

    public Uri Address { get; }

    public static Task<TcpRelay> StartAsync()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var relay = new TcpRelay(listener);
        _ = relay.AcceptLoopAsync();
        return Task.FromResult(relay);
    }

    public void ForwardTo(Uri target) => _target = target;

    private async Task AcceptLoopAsync()
    {
        try
        {
            while (true)
            {
                var client = await _listener.AcceptTcpClientAsync(_stop.Token);
                _ = HandleAsync(client);
            }
        }
        catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException or SocketException)
        {
            // Stopped.
        }
    }

    private async Task HandleAsync(TcpClient client)
    {
        using (client)
        {
            if (_target is not { } target)
            {
                client.Client.LingerState = new LingerOption(true, 0); // reset, as a dead service's port would
                return;
            }
            try
            {
                using var upstream = new TcpClient();
                await upstream.ConnectAsync(target.Host, target.Port, _stop.Token);
                var down = client.GetStream();
                var up = upstream.GetStream();
                await Task.WhenAny(down.CopyToAsync(up, _stop.Token), up.CopyToAsync(down, _stop.Token));
            }
            catch (Exception e) when (e is IOException or SocketException or OperationCanceledException)
            {
                // A side closed; the other is closed with it.
            }
        }
    }

    public ValueTask DisposeAsync()
    {
        _stop.Cancel();
        _listener.Stop();
        return ValueTask.CompletedTask;
    }
}
