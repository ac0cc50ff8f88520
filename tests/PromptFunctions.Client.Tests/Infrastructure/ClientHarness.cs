using Microsoft.Extensions.DependencyInjection;
using PromptFunctions.Tests.Infrastructure;

namespace PromptFunctions.Client.Tests.Infrastructure;

/// <summary>
/// A client built the way applications build it (<c>AddPromptFunctionsClient</c>, the standard resilience
/// handler), with a <see cref="CountingHandler"/> inside the resilience handler and a <see cref="ManualClock"/>.
/// </summary>
public sealed class ClientHarness : IAsyncDisposable
{
    private readonly ServiceProvider _services;

    private ClientHarness(ServiceProvider services, RequestLog log, ManualClock clock)
    {
        _services = services;
        Log = log;
        Clock = clock;
        Client = services.GetRequiredService<PromptFunctionsClient>();
    }

    public PromptFunctionsClient Client { get; }
    public RequestLog Log { get; }
    public ManualClock Clock { get; }
    public IServiceProvider Services => _services;

    /// <param name="transport">Replaces the network handler under every other handler, to simulate what the network does.</param>
    public static ClientHarness Create(Uri baseUrl, string? apiKey = TestKeys.Reader, Action<PromptFunctionsClientOptions>? configure = null,
        Func<HttpMessageHandler>? transport = null)
    {
        var log = new RequestLog();
        var clock = new ManualClock();
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddSingleton<TimeProvider>(clock);
        var builder = services.AddPromptFunctionsClient(options =>
            {
                options.BaseUrl = baseUrl;
                options.ApiKey = apiKey;
                // One quick retry, so that outage tests take milliseconds, not the production backoff.
                options.MaxRetryAttempts = 1;
                options.RetryDelay = TimeSpan.FromMilliseconds(10);
                options.AttemptTimeout = TimeSpan.FromSeconds(10);
                configure?.Invoke(options);
            })
            .AddHttpMessageHandler(() => new CountingHandler(log));
        if (transport is not null) builder.ConfigurePrimaryHttpMessageHandler(transport);
        return new ClientHarness(services.BuildServiceProvider(new ServiceProviderOptions { ValidateOnBuild = true, ValidateScopes = true }), log, clock);
    }

    public Task<PromptVersion> GetAsync(string name, PromptReference reference) => Client.GetPromptAsync(name, reference);

    /// <summary>Waits for background revalidations to finish.</summary>
    public Task IdleAsync() => Client.WhenIdleAsync();

    public ValueTask DisposeAsync() => _services.DisposeAsync();
}

/// <summary>One local host over its own Azurite storage, shared by a test class; each test uses its own prompt names.</summary>
public sealed class LocalHostFixture : IAsyncLifetime
{
    /// <summary>A key whose only role is promote: valid, but lacking read.</summary>
    public const string PromoteOnlyKey = "test-promote-only-key-0123456789";

    public LocalHostDriver Host { get; private set; } = null!;

    public Uri BaseUrl => Host.BaseAddress;

    public async Task InitializeAsync() => Host = await StartHostAsync();

    public static Task<LocalHostDriver> StartHostAsync() => LocalHostDriver.StartAsync(new Dictionary<string, string?>
    {
        ["Auth:Keys:9:Name"] = "promote-only",
        ["Auth:Keys:9:Secret"] = PromoteOnlyKey,
        ["Auth:Keys:9:Roles:0"] = "promote",
    });

    public async Task DisposeAsync() => await Host.DisposeAsync();
}
