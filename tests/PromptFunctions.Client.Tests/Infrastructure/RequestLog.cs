using System.Net.Http.Headers;

namespace PromptFunctions.Client.Tests.Infrastructure;

/// <summary>One HTTP attempt the client made, as seen inside its resilience handler.</summary>
/// <param name="Status">The response status, or null when no response arrived.</param>
/// <param name="Error">The exception type when no response arrived.</param>
public sealed record RequestRecord(string Path, string? IfNoneMatch, int? Status, string? Error, long ResponseBodyLength);

/// <summary>
/// Every attempt of one client, recorded by <see cref="CountingHandler"/>. <see cref="Hold"/> can keep requests
/// from leaving until released, so that a test can gather concurrent callers around one request.
/// </summary>
public sealed class RequestLog
{
    private readonly List<RequestRecord> _records = [];
    private int _started;
    private TaskCompletionSource _gate = Open();

    public int Started => Volatile.Read(ref _started);

    public IReadOnlyList<RequestRecord> Records
    {
        get
        {
            lock (_records) return _records.ToList();
        }
    }

    public void Hold() => _gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);

    public void Release() => _gate.TrySetResult();

    internal Task Gate => _gate.Task;

    internal void Start() => Interlocked.Increment(ref _started);

    internal void Add(RequestRecord record)
    {
        lock (_records) _records.Add(record);
    }

    private static TaskCompletionSource Open()
    {
        var gate = new TaskCompletionSource();
        gate.SetResult();
        return gate;
    }
}

/// <summary>Records each attempt's path, If-None-Match, status and body size into a <see cref="RequestLog"/>.</summary>
public sealed class CountingHandler(RequestLog log) : DelegatingHandler
{
    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        log.Start();
        await log.Gate.WaitAsync(cancellationToken);
        var path = request.RequestUri!.AbsolutePath;
        var ifNoneMatch = request.Headers.IfNoneMatch.Count == 0 ? null : request.Headers.IfNoneMatch.ToString();
        try
        {
            var response = await base.SendAsync(request, cancellationToken);
            await response.Content.LoadIntoBufferAsync(cancellationToken);
            var length = response.Content.Headers.ContentLength ?? (await response.Content.ReadAsByteArrayAsync(cancellationToken)).Length;
            log.Add(new RequestRecord(path, ifNoneMatch, (int)response.StatusCode, null, length));
            return response;
        }
        catch (Exception e)
        {
            log.Add(new RequestRecord(path, ifNoneMatch, null, e.GetType().Name, 0));
            throw;
        }
    }
}
