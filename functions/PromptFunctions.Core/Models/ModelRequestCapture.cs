using Microsoft.Extensions.AI;

namespace PromptFunctions.Core.Models;

/// <summary>One HTTP request as a provider client would send it: what the response cache keys on.</summary>
/// <param name="PathAndQuery">The request's path and query; the scheme, host and port are the connection's, named by the key instead.</param>
public sealed record CapturedModelRequest(string Method, string PathAndQuery, byte[] Body);

/// <summary>
/// Shows the exact request a connection would send for a call, without sending it. It runs a second instance of the
/// connection's provider client, configured identically, whose HTTP transport records the request and stops it
/// before it leaves the process. So whatever reaches the model (messages, every option the provider client maps,
/// parameters a newer SDK adds) is in the capture, without a list of fields to keep up to date.
/// </summary>
public sealed class ModelRequestCapture : IDisposable
{
    private readonly IChatClient _dryRun;

    public ModelRequestCapture(ModelConnectionOptions settings) =>
        _dryRun = ModelConnections.CreateProviderClient(settings, new CapturingHandler());

    /// <exception cref="InvalidOperationException">The provider client answered without making a request.</exception>
    public async Task<CapturedModelRequest> CaptureAsync(IReadOnlyList<ChatMessage> messages, ChatOptions? options, CancellationToken cancellationToken)
    {
        try
        {
            await _dryRun.GetResponseAsync(messages, options?.Clone(), cancellationToken);
        }
        catch (Exception e) when (Captured(e) is { } request)
        {
            return request;
        }
        throw new InvalidOperationException("The provider client answered without making a request, so the request cannot be keyed.");
    }

    public void Dispose() => _dryRun.Dispose();

    /// <summary>The capture, however the provider client wrapped the transport's exception.</summary>
    private static CapturedModelRequest? Captured(Exception? e)
    {
        for (; e is not null; e = e.InnerException)
        {
            if (e is RequestCapturedException captured) return captured.Request;
        }
        return null;
    }

    private sealed class RequestCapturedException(CapturedModelRequest request) : Exception("The request was captured, not sent.")
    {
        public CapturedModelRequest Request { get; } = request;
    }

    /// <summary>The transport of the dry-run client: it reads the request and never sends it.</summary>
    private sealed class CapturingHandler : HttpMessageHandler
    {
        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            var body = request.Content is null ? [] : await request.Content.ReadAsByteArrayAsync(cancellationToken);
            throw new RequestCapturedException(new CapturedModelRequest(request.Method.Method, request.RequestUri?.PathAndQuery ?? "", body));
        }
    }
}

/// <summary>The outermost stage of a connection's pipeline: it offers the connection's <see cref="ModelRequestCapture"/> as a service.</summary>
internal sealed class RequestCaptureService(IChatClient inner, ModelRequestCapture capture) : DelegatingChatClient(inner)
{
    public override object? GetService(Type serviceType, object? serviceKey = null) =>
        serviceKey is null && serviceType == typeof(ModelRequestCapture) ? capture : base.GetService(serviceType, serviceKey);

    protected override void Dispose(bool disposing)
    {
        if (disposing) capture.Dispose();
        base.Dispose(disposing);
    }
}
