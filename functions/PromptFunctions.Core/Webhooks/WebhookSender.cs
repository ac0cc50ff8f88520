using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Text;
using Microsoft.Extensions.Options;

namespace PromptFunctions.Core.Webhooks;

/// <summary>What one attempt got: the receiver's status (null when it never answered), how long it took, and why it failed.</summary>
public sealed record SendResult(int? Status, double DurationMs, string? ResponseExcerpt, string? Error)
{
    public bool Succeeded => Status is >= 200 and < 300;
}

/// <summary>
/// Posts one signed delivery. The connection goes only to an address <see cref="WebhookUrlPolicy"/> approved at
/// connect time (the host is resolved here and the socket connects to the checked address, so DNS cannot be
/// changed between the check and the connection); redirects are never followed, no proxy is used, each attempt
/// has a timeout, and only the start of the response body is read.
/// </summary>
public sealed class WebhookSender : IDisposable
{
    private readonly HttpClient _http;
    private readonly WebhookUrlPolicy _policy;
    private readonly IOptions<WebhooksOptions> _options;
    private readonly TimeProvider _clock;

    public WebhookSender(WebhookUrlPolicy policy, IOptions<WebhooksOptions> options, TimeProvider clock)
    {
        _policy = policy;
        _options = options;
        _clock = clock;
        var handler = new SocketsHttpHandler
        {
            AllowAutoRedirect = false,
            UseProxy = false,
            UseCookies = false,
            AutomaticDecompression = DecompressionMethods.None,
            // Connections are re-established (and their addresses checked again) at least this often.
            PooledConnectionLifetime = TimeSpan.FromMinutes(1),
            ConnectTimeout = TimeSpan.FromSeconds(options.Value.AttemptTimeoutSeconds),
            MaxResponseHeadersLength = 64,
            ConnectCallback = ConnectAsync,
        };
        _http = new HttpClient(handler) { Timeout = Timeout.InfiniteTimeSpan };
        _http.DefaultRequestHeaders.UserAgent.Add(new ProductInfoHeaderValue("PromptFunctions-Webhooks", "1.0"));
    }

    public async Task<SendResult> SendAsync(string url, string messageId, byte[] body, IReadOnlyList<string> secrets, CancellationToken cancellationToken)
    {
        var started = Stopwatch.GetTimestamp();
        double Elapsed() => Math.Round(Stopwatch.GetElapsedTime(started).TotalMilliseconds, 3);
        if (_policy.CheckUrl(url, out var uri) is { } fault) return new SendResult(null, 0, null, $"the URL is no longer allowed: {fault}");

        var timestamp = _clock.GetUtcNow().ToUnixTimeSeconds();
        using var request = new HttpRequestMessage(HttpMethod.Post, uri) { Content = new ByteArrayContent(body) };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json") { CharSet = "utf-8" };
        request.Headers.TryAddWithoutValidation(WebhookSignatures.IdHeader, messageId);
        request.Headers.TryAddWithoutValidation(WebhookSignatures.TimestampHeader, timestamp.ToString(CultureInfo.InvariantCulture));
        request.Headers.TryAddWithoutValidation(WebhookSignatures.SignatureHeader, WebhookSignatures.Sign(messageId, timestamp, body, secrets));

        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(TimeSpan.FromSeconds(_options.Value.AttemptTimeoutSeconds));
        try
        {
            using var response = await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, timeout.Token);
            var excerpt = await ExcerptAsync(response, timeout.Token);
            return new SendResult((int)response.StatusCode, Elapsed(), excerpt, null);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return new SendResult(null, Elapsed(), null, $"no answer within {_options.Value.AttemptTimeoutSeconds.ToString(CultureInfo.InvariantCulture)} s");
        }
        catch (HttpRequestException e)
        {
            return new SendResult(null, Elapsed(), null, Describe(e));
        }
    }

    private static string Describe(Exception e)
    {
        var messages = new List<string>();
        for (var x = e; x is not null; x = x.InnerException)
        {
            if (!messages.Contains(x.Message, StringComparer.Ordinal)) messages.Add(x.Message);
        }
        return string.Join(": ", messages);
    }

    private async Task<string?> ExcerptAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        var max = _options.Value.ResponseExcerptBytes;
        if (max == 0) return null;
        await using var stream = await response.Content.ReadAsStreamAsync(cancellationToken);
        var buffer = new byte[max];
        var read = 0;
        while (read < max)
        {
            var n = await stream.ReadAsync(buffer.AsMemory(read, max - read), cancellationToken);
            if (n == 0) break;
            read += n;
        }
        if (read == 0) return null;
        // A cut in the middle of a multi-byte character decodes to U+FFFD, which is what an excerpt should show.
        return Encoding.UTF8.GetString(buffer, 0, read);
    }

    private async ValueTask<Stream> ConnectAsync(SocketsHttpConnectionContext context, CancellationToken cancellationToken)
    {
        var endpoint = context.DnsEndPoint;
        var addresses = await WebhookUrlPolicy.ResolveAsync(endpoint.Host, cancellationToken);
        var refused = new List<string>();
        foreach (var address in addresses)
        {
            if (_policy.AddressFault(address) is { } fault)
            {
                refused.Add(fault);
                continue;
            }
            var socket = new Socket(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            try
            {
                await socket.ConnectAsync(new IPEndPoint(address, endpoint.Port), cancellationToken);
                return new NetworkStream(socket, ownsSocket: true);
            }
            catch (SocketException e)
            {
                socket.Dispose();
                refused.Add($"{address}: {e.SocketErrorCode}");
            }
            catch
            {
                socket.Dispose();
                throw;
            }
        }
        throw new HttpRequestException(refused.Count == 0
            ? $"host '{endpoint.Host}' has no addresses"
            : $"no allowed address of '{endpoint.Host}' accepted a connection ({string.Join("; ", refused)})");
    }

    public void Dispose() => _http.Dispose();
}
