using PromptFunctions.StubModel;

namespace PromptFunctions.Tests.Infrastructure;

/// <summary>
/// The Functions app as deployed: its Release build output inside the real Azure Functions host process (HTTP
/// routing, body handling and Durable Functions over Azure Storage are the host's), called over HTTP.
/// </summary>
/// <remarks>
/// One host serves every test class of a run (<see cref="SharedAsync"/>): a host takes seconds to start, and the
/// tests already use names of their own. Its requests pass a <see cref="SharedHostGate"/> so that a test comparing
/// storage snapshots can keep the other classes out meanwhile (<see cref="QuietAsync()"/>). It is configured with
/// the test keys and a model connection <c>stub</c> to a stub model server that experiment tests take turns with
/// (<see cref="ModelLease"/>). A test that needs other settings or empty storage starts a host of its own
/// (<see cref="StartAsync"/>). Services cannot cross the process boundary, so <see cref="Services"/> has none.
/// </remarks>
public sealed class FunctionsHostDriver : IApiDriver
{
    private static readonly Lazy<Task<FunctionsHostDriver>> Shared =
        new(() => Task.Run(StartSharedAsync), LazyThreadSafetyMode.ExecutionAndPublication);

    private readonly FunctionsHostProcess _host;
    private HttpApiClient _http;
    private readonly bool _isShared;

    private FunctionsHostDriver(FunctionsHostProcess host, TestStorage storage, StubModelServer? model, bool isShared)
    {
        _host = host;
        _http = new HttpApiClient(host.BaseAddress);
        Storage = storage;
        Model = model;
        _isShared = isShared;
        Gate = new SharedHostGate();
    }

    public string Kind => Drivers.FunctionsHost;
    public TestStorage Storage { get; }
    public Uri BaseAddress => _host.BaseAddress;
    public FunctionsHostProcess Host => _host;

    public IServiceProvider Services => throw new NotSupportedException(
        "The Functions host runs the app in another process: its services cannot be resolved from a test. Assert through the API.");

    /// <summary>Keeps other classes' requests out of a quiet section and marks experiments that are running.</summary>
    public SharedHostGate Gate { get; }

    /// <summary>The stub behind the shared host's <c>stub</c> model connection; take <see cref="ModelLease"/> before changing it.</summary>
    public StubModelServer? Model { get; }

    /// <summary>One experiment test at a time sets the shared stub's responder and counts its calls.</summary>
    public SemaphoreSlim ModelLease { get; } = new(1, 1);

    /// <summary>The host every test class shares; started by the first caller, killed when the test process exits.</summary>
    public static Task<FunctionsHostDriver> SharedAsync() => Shared.Value;

    /// <summary>A host of the caller's own over its own storage; disposing it stops the host and its Azurite.</summary>
    public static async Task<FunctionsHostDriver> StartAsync(IReadOnlyDictionary<string, string?>? settings = null, string environment = "Testing")
    {
        TestStorage? storage = null;
        var host = await FunctionsHostProcess.StartAsync("own", cs => (storage = TestStorage.On(cs)).Configuration(), Settings(settings, environment));
        return new FunctionsHostDriver(host, storage!, null, isShared: false);
    }

    private static async Task<FunctionsHostDriver> StartSharedAsync()
    {
        var model = await StubModelServer.StartAsync();
        var site = Directory.CreateTempSubdirectory("pf-webui-shared-").FullName;
        await TestSite.WriteAsync(site);
        var settings = StubModelSettings(model.Endpoint);
        settings["WebUi:RootPath"] = site;
        // Timers write storage at moments no test chooses, which would break the storage snapshots that quiet sections
        // compare; the tests of the webhook dispatcher and the suite schedule start hosts of their own. This is the
        // Functions host's own switch for a function (an app setting), in both spellings it reads.
        foreach (var timer in SharedHostDisabledTimers)
        {
            settings[$"AzureWebJobs.{timer}.Disabled"] = "true";
            settings[$"AzureWebJobs__{timer}__Disabled"] = "true";
        }
        settings["Suites:SchedulerEnabled"] = "false";
        TestStorage? storage = null;
        var host = await FunctionsHostProcess.StartAsync("shared", cs => (storage = TestStorage.On(cs)).Configuration(), Settings(settings, "Testing"));
        AppDomain.CurrentDomain.ProcessExit += (_, _) =>
        {
            model.DisposeAsync().AsTask().Wait(TimeSpan.FromSeconds(5));
            Directory.Delete(site, recursive: true);
        };
        return new FunctionsHostDriver(host, storage!, model, isShared: true);
    }

    /// <summary>The timer functions the shared host does not run.</summary>
    public static readonly IReadOnlyList<string> SharedHostDisabledTimers = ["DispatchWebhooks", "SuiteScheduleTick"];

    /// <summary>A model connection <c>stub</c> to <paramref name="endpoint"/>, with quick retries and a price so costs are non-zero.</summary>
    public static Dictionary<string, string?> StubModelSettings(Uri endpoint) => new()
    {
        ["Models:stub:Provider"] = "openai-compatible",
        ["Models:stub:Endpoint"] = endpoint.ToString(),
        ["Models:stub:Model"] = "stub-model",
        ["Models:stub:MaxRetries"] = "3",
        ["Models:stub:RetryBaseDelayMilliseconds"] = "10",
        ["Models:stub:TimeoutSeconds"] = "10",
        ["Experiments:Prices:stub-model:InputPerMillionTokens"] = "1000",
        ["Experiments:Prices:stub-model:OutputPerMillionTokens"] = "2000",
    };

    /// <summary>
    /// The test keys, <paramref name="settings"/> and the environment the worker reads its name from (func-host would
    /// otherwise say Development, which relaxes what only local tools need, as the other drivers' default does not).
    /// </summary>
    private static Dictionary<string, string?> Settings(IReadOnlyDictionary<string, string?>? settings, string environment)
    {
        var all = TestKeys.Configuration();
        all["AZURE_FUNCTIONS_ENVIRONMENT"] = environment;
        foreach (var (key, value) in settings ?? new Dictionary<string, string?>()) all[key] = value;
        return all;
    }

    public async Task<ApiResponse> SendAsync(HttpMethod method, string pathAndQuery, string? body = null, string? key = TestKeys.Admin,
        IReadOnlyDictionary<string, string>? headers = null, string? contentType = "application/json")
    {
        using var entered = await Gate.EnterRequestAsync();
        return await _http.SendAsync(method, pathAndQuery, body, key, headers, contentType);
    }

    public async Task<ApiResponse> SendStreamAsync(HttpMethod method, string pathAndQuery, Stream body, string? contentType, string? key = TestKeys.Admin)
    {
        using var entered = await Gate.EnterRequestAsync();
        return await _http.SendStreamAsync(method, pathAndQuery, body, contentType, key);
    }

    /// <summary>
    /// Kills the host and its worker with SIGKILL, as a crash would, and starts them again on the same storage, task
    /// hub and settings (a driver of its own only); returns how long the new host took to report its functions running.
    /// </summary>
    public async Task<TimeSpan> CrashAndRestartAsync()
    {
        if (_isShared) throw new InvalidOperationException("Other test classes use the shared host; crash a host of your own.");
        _host.KillHost();
        await _host.StartHostAsync();
        var old = _http;
        _http = new HttpApiClient(_host.BaseAddress);
        old.Dispose();
        return _host.StartDuration;
    }

    /// <summary>Not async, so the quiet section is recorded in the caller's flow (see <see cref="SharedHostGate.QuietAsync"/>).</summary>
    public Task<IAsyncDisposable> QuietAsync() => Gate.QuietAsync();

    /// <summary>A quiet section for a flow that holds the gate for its experiments; the hold is given up meanwhile.</summary>
    public Task<IAsyncDisposable> QuietAsync(SharedHostGate.SuspendableHold suspended) => Gate.QuietAsync(suspended);

    public async ValueTask DisposeAsync()
    {
        if (_isShared) return;
        _http.Dispose();
        await _host.DisposeAsync();
    }
}
