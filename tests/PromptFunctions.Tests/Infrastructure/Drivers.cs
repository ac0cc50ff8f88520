namespace PromptFunctions.Tests.Infrastructure;

/// <summary>Test data for theories that run once per host.</summary>
public static class Drivers
{
    public const string LocalHost = "local-host";
    public const string Functions = "functions";

    public static TheoryData<string> Both => new() { LocalHost, Functions };

    /// <param name="environment">The hosting environment; Development relaxes what only local tools need (e.g. http webhooks to loopback).</param>
    /// <param name="storage">Storage another host used before, to start a host as if the previous one restarted.</param>
    public static async Task<IApiDriver> StartAsync(string kind, IReadOnlyDictionary<string, string?>? settings = null,
        Action<Microsoft.Extensions.DependencyInjection.IServiceCollection>? configureServices = null, string environment = "Testing", TestStorage? storage = null) => kind switch
    {
        LocalHost => await LocalHostDriver.StartAsync(settings, storage, configureServices: configureServices, environment: environment),
        Functions => await FunctionsDriver.StartAsync(settings, storage, configureServices: configureServices, environment: environment),
        _ => throw new ArgumentOutOfRangeException(nameof(kind)),
    };

    private static int _counter;

    /// <summary>A prompt name no other test uses.</summary>
    public static string PromptName(string stem = "p") => $"{stem}-{Interlocked.Increment(ref _counter)}-{Guid.NewGuid():N}"[..(stem.Length + 20)];
}
