using System.Net;
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
    private readonly HttpApiClient _http;

    private LocalHostDriver(WebApplication app, TestStorage storage, Uri baseAddress)
    {
        _app = app;
        Storage = storage;
        BaseAddress = baseAddress;
        _http = new HttpApiClient(baseAddress);
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

    public Task<ApiResponse> SendAsync(HttpMethod method, string pathAndQuery, string? body = null, string? key = TestKeys.Admin,
        IReadOnlyDictionary<string, string>? headers = null, string? contentType = "application/json") =>
        _http.SendAsync(method, pathAndQuery, body, key, headers, contentType);

    public Task<ApiResponse> SendStreamAsync(HttpMethod method, string pathAndQuery, Stream body, string? contentType, string? key = TestKeys.Admin) =>
        _http.SendStreamAsync(method, pathAndQuery, body, contentType, key);

    public async ValueTask DisposeAsync()
    {
        _http.Dispose();
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
