using System.Net;

namespace PromptFunctions.Bench;

/// <summary>
/// An OTLP/HTTP endpoint in the benchmark's process that accepts every export and counts it, so the fetch benchmark
/// runs with telemetry on as deployed (the SDK serializing and sending batches) without an external collector.
/// </summary>
internal sealed class OtlpSink : IAsyncDisposable
{
    private readonly WebApplication _app;
    private long _requests;
    private long _bytes;
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, long> _bytesBySignal = new();

    private OtlpSink(WebApplication app) => _app = app;

    public Uri Address { get; private set; } = null!;
    public long Requests => Interlocked.Read(ref _requests);
    public long Bytes => Interlocked.Read(ref _bytes);

    /// <summary>KiB received per signal (traces, metrics, logs).</summary>
    public string BySignal => string.Join(", ", _bytesBySignal.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => $"{p.Key} {p.Value / 1024.0:F0} KiB"));

    /// <summary>The settings that point a host's exporter here.</summary>
    public IReadOnlyDictionary<string, string?> Settings => new Dictionary<string, string?>
    {
        ["OTEL_EXPORTER_OTLP_ENDPOINT"] = Address.ToString().TrimEnd('/'),
        ["OTEL_EXPORTER_OTLP_PROTOCOL"] = "http/protobuf",
    };

    public static async Task<OtlpSink> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, 0));
        var app = builder.Build();
        var sink = new OtlpSink(app);
        app.MapPost("/v1/{signal}", async (HttpContext context, string signal) =>
        {
            var buffer = new byte[16 * 1024];
            long total = 0;
            int read;
            while ((read = await context.Request.Body.ReadAsync(buffer)) > 0) total += read;
            Interlocked.Increment(ref sink._requests);
            Interlocked.Add(ref sink._bytes, total);
            sink._bytesBySignal.AddOrUpdate(signal, total, (_, sum) => sum + total);
            context.Response.ContentType = "application/x-protobuf";
        });
        await app.StartAsync();
        sink.Address = new Uri(app.Urls.First());
        return sink;
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
