using System.Buffers.Text;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace PromptFunctions.Core.Models;

/// <summary>
/// A loopback HTTP/1.1 endpoint inside this process that answers every request with one fixed OpenAI-protocol chat
/// completion. The start-up warm-up sends requests to it through a connection's real client and transport (sockets,
/// connection pool, HTTP/1.1 framing, response parsing), which is what a first model call pays for, without reaching a
/// model. It understands exactly what the OpenAI client sends (a Content-Length body, keep-alive) and closes any
/// connection it does not.
/// </summary>
public sealed class CannedCompletionServer : IAsyncDisposable
{
    private static readonly byte[] HeaderEnd = "\r\n\r\n"u8.ToArray();
    private const string Completion =
        """{"id":"warm-up","object":"chat.completion","created":1700000000,"model":"warm-up","choices":[{"index":0,"message":{"role":"assistant","content":"1"},"finish_reason":"stop"}],"usage":{"prompt_tokens":1,"completion_tokens":1,"total_tokens":2}}""";

    private static readonly byte[] Response = Encoding.UTF8.GetBytes(string.Create(CultureInfo.InvariantCulture,
        $"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {Encoding.UTF8.GetByteCount(Completion)}\r\n\r\n{Completion}"));

    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _accepting;
    private int _answered;

    public CannedCompletionServer()
    {
        _listener.Start();
        Endpoint = new Uri($"http://127.0.0.1:{((IPEndPoint)_listener.LocalEndpoint).Port}/v1/");
        _accepting = AcceptAsync();
    }

    /// <summary>The base address to give an OpenAI-protocol client (it answers on any path).</summary>
    public Uri Endpoint { get; }

    /// <summary>Requests answered so far (counted as each response starts).</summary>
    public int Answered => Volatile.Read(ref _answered);

    private async Task AcceptAsync()
    {
        var connections = new List<Task>();
        while (!_stop.IsCancellationRequested)
        {
            try
            {
                connections.Add(ServeAsync(await _listener.AcceptTcpClientAsync(_stop.Token)));
            }
            catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException)
            {
                break;
            }
            catch (SocketException)
            {
                // One failed accept (a client that gave up) says nothing about the next.
            }
        }
        await Task.WhenAll(connections);
    }

    private async Task ServeAsync(TcpClient client)
    {
        using var _ = client;
        var stream = client.GetStream();
        var buffer = new byte[8 * 1024];
        var filled = 0;
        try
        {
            while (true)
            {
                int headerEnd;
                while ((headerEnd = buffer.AsSpan(0, filled).IndexOf(HeaderEnd)) < 0)
                {
                    if (filled == buffer.Length) return;
                    var read = await stream.ReadAsync(buffer.AsMemory(filled), _stop.Token);
                    if (read == 0) return;
                    filled += read;
                }
                if (ContentLength(buffer.AsSpan(0, headerEnd)) is not { } length) return;
                var total = headerEnd + HeaderEnd.Length + length;
                if (total > buffer.Length) Array.Resize(ref buffer, total);
                while (filled < total)
                {
                    var read = await stream.ReadAsync(buffer.AsMemory(filled), _stop.Token);
                    if (read == 0) return;
                    filled += read;
                }
                // Counted before it is sent, so a client that has its response also sees it counted.
                Interlocked.Increment(ref _answered);
                await stream.WriteAsync(Response, _stop.Token);
                buffer.AsSpan(total, filled - total).CopyTo(buffer);
                filled -= total;
            }
        }
        catch (Exception e) when (e is OperationCanceledException or IOException or SocketException or ObjectDisposedException)
        {
            // The client closed the connection or the server stopped.
        }
    }

    /// <summary>
    /// The request's Content-Length (0 without a body), or null for what this server does not read: a chunked body, a
    /// malformed or repeated length, or a body over <see cref="MaxBody"/> (a warm-up request is a few hundred bytes).
    /// </summary>
    private static int? ContentLength(ReadOnlySpan<byte> headers)
    {
        int? length = null;
        foreach (var range in headers.Split("\r\n"u8))
        {
            var line = headers[range];
            var colon = line.IndexOf((byte)':');
            if (colon < 0) continue;
            var name = line[..colon];
            var value = line[(colon + 1)..].Trim(" \t"u8);
            if (Ascii.EqualsIgnoreCase(name, "Transfer-Encoding"u8)) return null;
            if (!Ascii.EqualsIgnoreCase(name, "Content-Length"u8)) continue;
            if (length is not null || !Utf8Parser.TryParse(value, out int parsed, out var consumed) || consumed != value.Length || parsed is < 0 or > MaxBody) return null;
            length = parsed;
        }
        return length ?? 0;
    }

    private const int MaxBody = 1024 * 1024;

    public async ValueTask DisposeAsync()
    {
        try
        {
            await _stop.CancelAsync();
            _listener.Stop();
            await _accepting;
        }
        finally
        {
            _listener.Dispose();
            _stop.Dispose();
        }
    }
}
