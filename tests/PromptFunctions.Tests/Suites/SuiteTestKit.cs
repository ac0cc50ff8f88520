using System.Collections.Concurrent;
using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using PromptFunctions.Core.Events;
using PromptFunctions.Core.Webhooks;
using PromptFunctions.StubModel;
using PromptFunctions.Tests.Experiments;
using PromptFunctions.Tests.Infrastructure;
using PromptFunctions.Tests.Webhooks;

namespace PromptFunctions.Tests.Suites;

/// <summary>
/// Records what features publish, in place of the delivering publisher (which the webhooks feature owns), or in
/// front of it when <see cref="Forward"/> is set.
/// </summary>
public sealed class RecordingEventPublisher : IEventPublisher
{
    public ConcurrentQueue<(string Type, string Key, JsonObject Data)> Published { get; } = new();

    /// <summary>The delivering publisher, when the test's subscribers should receive the events too.</summary>
    public IEventPublisher? Forward { get; set; }

    public Task PublishAsync(string type, string idempotencyKey, JsonObject data, CancellationToken cancellationToken)
    {
        Published.Enqueue((type, idempotencyKey, (JsonObject)data.DeepClone()));
        return Forward?.PublishAsync(type, idempotencyKey, data, cancellationToken) ?? Task.CompletedTask;
    }

    /// <summary>Distinct occurrences (by idempotency key) of <paramref name="type"/>.</summary>
    public List<(string Key, JsonObject Data)> Occurrences(string type) =>
        Published.Where(p => p.Type == type).GroupBy(p => p.Key).Select(g => (g.Key, g.First().Data)).ToList();
}

/// <summary>A clock the test moves by hand; timers still run on real time.</summary>
public sealed class ManualClock(DateTimeOffset start) : TimeProvider
{
    private long _ticks = start.UtcTicks;

    public override DateTimeOffset GetUtcNow() => new(Interlocked.Read(ref _ticks), TimeSpan.Zero);

    public void Set(DateTimeOffset now) => Interlocked.Exchange(ref _ticks, now.UtcTicks);

    public void Advance(TimeSpan by) => Interlocked.Add(ref _ticks, by.Ticks);
}

/// <summary>A host with the stub model, a recording publisher and helpers for suites.</summary>
public sealed class SuiteTestHost : IAsyncDisposable
{
    private SuiteTestHost(ExperimentTestHost host, RecordingEventPublisher events, WebhookTestHost? webhooks, bool recordsEvents = true)
    {
        Host = host;
        Events = events;
        Webhooks = webhooks;
        RecordsEvents = recordsEvents;
    }

    /// <summary>False on the Functions host: its worker is another process, so <see cref="Events"/> stays empty there.</summary>
    public bool RecordsEvents { get; }

    public ExperimentTestHost Host { get; }
    public IApiDriver Api => Host.Api;
    public StubModelServer Model => Host.Model;
    public RecordingEventPublisher Events { get; }

    /// <summary>Subscriptions and the Functions dispatch pump, when the host was started with <c>deliverEvents</c>.</summary>
    public WebhookTestHost? Webhooks { get; }

    /// <param name="deliverEvents">
    /// Also deliver what is published to webhook subscribers: the host runs in Development (http receivers on
    /// loopback) with short retries, and the Functions app's dispatch timer is pumped (<see cref="WebhookTestHost"/>).
    /// </param>
    public static async Task<SuiteTestHost> StartAsync(string kind, Func<StubRequest, StubReply>? responder = null, TimeProvider? clock = null,
        IReadOnlyDictionary<string, string?>? settings = null, bool deliverEvents = false)
    {
        var events = new RecordingEventPublisher();
        if (kind == Drivers.FunctionsHost)
        {
            // The shared host: its only model connection is the default, and its scheduler is off.
            if (clock is not null || settings is not null || deliverEvents)
                throw new NotSupportedException("The shared Functions host takes no clock, settings or event delivery of a test's own.");
            return new SuiteTestHost(await ExperimentTestHost.StartAsync(kind, responder), events, null, recordsEvents: false);
        }
        var all = deliverEvents ? WebhookTestHost.ShortRetries() : [];
        all["Experiments:DefaultConnection"] = "stub";
        all["Suites:SchedulerEnabled"] = "false";
        foreach (var (key, value) in settings ?? new Dictionary<string, string?>()) all[key] = value;
        var host = await ExperimentTestHost.StartAsync(kind, responder, settings: all, environment: deliverEvents ? "Development" : "Testing", configureServices: services =>
        {
            services.AddSingleton<IEventPublisher>(provider =>
            {
                if (deliverEvents) events.Forward = ActivatorUtilities.CreateInstance<WebhookEventPublisher>(provider);
                return events;
            });
            if (clock is not null) services.AddSingleton(clock);
        });
        return new SuiteTestHost(host, events, deliverEvents ? WebhookTestHost.Attach(host.Api) : null);
    }

    private bool Announced(string runId, string? verdict)
    {
        var keys = Events.Published.Select(p => p.Key).ToHashSet();
        return keys.Contains($"suite-run/{runId}/completed") && (verdict != "regressed" || keys.Contains($"suite-run/{runId}/regression"));
    }

    public static JsonObject EchoPrompt() => new()
    {
        ["template"] = new JsonArray(new JsonObject { ["role"] = "user", ["content"] = "echo: {{question}}" }),
        ["model"] = new JsonObject { ["provider"] = "openai_compatible", ["name"] = "stub-model" },
        ["invocation_parameters"] = new JsonObject { ["temperature"] = 0 },
    };

    public static JsonObject Example(int i) => new() { ["input"] = new JsonObject { ["question"] = $"q{i}" }, ["expected"] = $"q{i}" };

    /// <summary>The number in a question such as <c>q17</c>, or -1.</summary>
    public static int Question(StubRequest request) =>
        request.LastUserText.StartsWith("echo: q", StringComparison.Ordinal) && int.TryParse(request.LastUserText["echo: q".Length..], out var i) ? i : -1;

    /// <summary>A prompt tagged production and a dataset of <paramref name="rows"/> echo questions.</summary>
    public async Task SeedAsync(string prompt, string dataset, int rows)
    {
        await Api.CreateVersionAsync(prompt, EchoPrompt(), tags: ["production"]);
        await Host.UploadAsync(dataset, Enumerable.Range(0, rows).Select(Example));
    }

    public static JsonObject Definition(string prompt, string dataset, params string[] candidateModels) => new()
    {
        ["prompt"] = new JsonObject { ["name"] = prompt },
        ["dataset"] = new JsonObject { ["name"] = dataset },
        ["evaluators"] = JsonNode.Parse("""[{"type":"exact_match"}]"""),
        ["candidates"] = new JsonArray(candidateModels.Select(m => (JsonNode?)new JsonObject { ["connection"] = "stub", ["model"] = m }).ToArray()),
        ["max_concurrency"] = 30,
    };

    public async Task<ApiResponse> PutSuiteAsync(string name, JsonObject definition, IReadOnlyDictionary<string, string>? headers = null) =>
        await Api.PutAsync($"/api/suites/{name}", definition, headers: headers);

    public async Task<string> StartRunAsync(string suite)
    {
        var response = await Api.SendAsync(HttpMethod.Post, $"/api/suites/{suite}/runs");
        Assert.True(response.Status == 202, response.ToString());
        Assert.Equal($"/api/suite-runs/{response.Json["id"]}", response.Header("Location"));
        return response.Json["id"]!.GetValue<string>();
    }

    public async Task<JsonObject> WaitRunAsync(string id, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(120));
        while (true)
        {
            var response = await Api.GetAsync($"/api/suite-runs/{id}");
            Assert.Equal(200, response.Status);
            var status = response.Json["status"]!.GetValue<string>();
            // The run is announced after its record turns final; wait for the announcement so a test can assert it.
            if (status is "completed" or "failed" && (!RecordsEvents || Announced(id, response.Json["verdict"]?.GetValue<string>()))) return response.Json.AsObject();
            Assert.True(DateTime.UtcNow < deadline, $"suite run {id} still {status}: {response.Body}");
            await Task.Delay(100);
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (Webhooks is not null) await Webhooks.DisposeAsync();
        await Host.DisposeAsync();
    }
}
