using System.Net;
using System.Net.Http.Headers;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace PromptFunctions.Tests.Infrastructure;

/// <summary>The real local host (Kestrel on a free loopback port, in-process Durable engine) over Azurite.</summary>
public sealed class LocalHostDriver : IApiDriver
{
    private readonly WebApplication _app;
    private readonly HttpClient _http;

    private LocalHostDriver(WebApplication app, TestStorage storage, Uri baseAddress)
    {
        _app = app;
        Storage = storage;
        BaseAddress = baseAddress;
        _http = new HttpClient { BaseAddress = baseAddress };
    }

    public string Kind => "local-host";
    public TestStorage Storage { get; }
    public Uri BaseAddress { get; }
    public IServiceProvider Services => _app.Services;
    public WebApplication App => _app;

    public static async Task<LocalHostDriver> StartAsync(IReadOnlyDictionary<string, string?>? settings = null, TestStorage? storage = null,
        Action<WebApplicationBuilder>? configure = null, Action<IServiceCollection>? configureServices = null, string environment = "Testing")
    {
        storage ??= await TestStorage.CreateAsync();
        var app = LocalHost.Program.CreateApp(["--environment", environment], builder =>
        {
            builder.Configuration.AddInMemoryCollection(storage.Configuration());
            builder.Configuration.AddInMemoryCollection(TestKeys.Configuration());
            if (settings is not null) builder.Configuration.AddInMemoryCollection(settings);
            builder.WebHost.ConfigureKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, 0));
            builder.Logging.SetMinimumLevel(LogLevel.Warning);
            configure?.Invoke(builder);
            configureServices?.Invoke(builder.Services);
        });
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        return new LocalHostDriver(app, storage, new Uri(address));
    }

    public async Task<ApiResponse> SendAsync(HttpMethod method, string pathAndQuery, string? body = null, string? key = TestKeys.Admin,
        IReadOnlyDictionary<string, string>? headers = null, string? contentType = "application/json")
    {
        using var request = new HttpRequestMessage(method, pathAndQuery);
        if (key is not null) request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", key);
        if (body is not null)
        {
            request.Content = new StringContent(body);
            request.Content.Headers.ContentType = contentType is null ? null : MediaTypeHeaderValue.Parse(contentType);
        }
        foreach (var (name, value) in headers ?? new Dictionary<string, string>())
        {
            if (!request.Headers.TryAddWithoutValidation(name, value)) request.Content?.Headers.TryAddWithoutValidation(name, value);
        }
        using var response = await SendUntracedAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        var all = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        // As sent: the parsed views reorder directives (Cache-Control), and tests compare with what the server wrote.
        foreach (var (name, values) in response.Headers.NonValidated) all[name] = string.Join(", ", values);
        foreach (var (name, values) in response.Content.Headers.NonValidated) all[name] = string.Join(", ", values);
        return new ApiResponse((int)response.StatusCode, text, all);
    }

    /// <summary>
    /// Like a caller outside the process: activity listeners are process-wide, so the host's HttpClient
    /// instrumentation would otherwise trace this client too and replace a <c>traceparent</c> a test sets.
    /// </summary>
    private Task<HttpResponseMessage> SendUntracedAsync(HttpRequestMessage request)
    {
        using var untraced = OpenTelemetry.SuppressInstrumentationScope.Begin();
        return _http.SendAsync(request);
    }

    public async Task<ApiResponse> SendStreamAsync(HttpMethod method, string pathAndQuery, Stream body, string? contentType, string? key = TestKeys.Admin)
    {
        using var request = new HttpRequestMessage(method, pathAndQuery) { Content = new StreamContent(body) };
        if (key is not null) request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", key);
        if (contentType is not null) request.Content.Headers.ContentType = MediaTypeHeaderValue.Parse(contentType);
        using var response = await SendUntracedAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        var all = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        // As sent: the parsed views reorder directives (Cache-Control), and tests compare with what the server wrote.
        foreach (var (name, values) in response.Headers.NonValidated) all[name] = string.Join(", ", values);
        foreach (var (name, values) in response.Content.Headers.NonValidated) all[name] = string.Join(", ", values);
        return new ApiResponse((int)response.StatusCode, text, all);
    }

    public async ValueTask DisposeAsync()
    {
        _http.Dispose();
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
