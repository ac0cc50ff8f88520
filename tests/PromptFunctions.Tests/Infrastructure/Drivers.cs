namespace PromptFunctions.Tests.Infrastructure;

/// <summary>Test data for theories that run once per host.</summary>
public static class Drivers
{
    public const string LocalHost = "local-host";
    public const string Functions = "functions";
    public const string FunctionsHost = "functions-host";

    /// <summary>The hosts that run in the test process, where a test can reach their services.</summary>
    public static TheoryData<string> Both => new() { LocalHost, Functions };

    /// <summary>Every host, including the Functions app inside the real Functions host process.</summary>
    public static TheoryData<string> All => new() { LocalHost, Functions, FunctionsHost };

    /// <summary>The kinds of <see cref="All"/>, for tables of cases that add their own columns.</summary>
    public static readonly IReadOnlyList<string> AllKinds = [LocalHost, Functions, FunctionsHost];

    /// <summary>
    /// A new host of <paramref name="kind"/> over storage of its own. A Functions host is a process of its own (seconds
    /// to start) with an Azurite of its own: services cannot be injected into it, so <paramref name="configureServices"/>
    /// and <paramref name="storage"/> are for the other kinds.
    /// </summary>
    /// <param name="environment">The hosting environment; Development relaxes what only local tools need (e.g. http webhooks to loopback).</param>
    /// <param name="storage">Storage another host used before, to start a host as if the previous one restarted.</param>
    public static async Task<IApiDriver> StartAsync(string kind, IReadOnlyDictionary<string, string?>? settings = null,
        Action<Microsoft.Extensions.DependencyInjection.IServiceCollection>? configureServices = null, string environment = "Testing", TestStorage? storage = null) => kind switch
    {
        LocalHost => await LocalHostDriver.StartAsync(settings, storage, configureServices: configureServices, environment: environment),
        Functions => await FunctionsDriver.StartAsync(settings, storage, configureServices: configureServices, environment: environment),
        FunctionsHost when configureServices is null && storage is null => await FunctionsHostDriver.StartAsync(settings, environment),
        FunctionsHost => throw new NotSupportedException("Services and storage cannot be handed to the Functions host's worker process."),
        _ => throw new ArgumentOutOfRangeException(nameof(kind)),
    };

    private static int _counter;

    /// <summary>A prompt name no other test uses.</summary>
    public static string PromptName(string stem = "p") => $"{stem}-{Interlocked.Increment(ref _counter)}-{Guid.NewGuid():N}"[..(stem.Length + 20)];
}
