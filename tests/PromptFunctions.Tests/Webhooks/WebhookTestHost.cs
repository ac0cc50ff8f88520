using System.Text.Json.Nodes;
using Microsoft.Azure.Functions.Worker;
using Microsoft.DurableTask.Client;
using Microsoft.Extensions.DependencyInjection;
using PromptFunctions.FunctionApp.Triggers;
using PromptFunctions.Tests.Infrastructure;

namespace PromptFunctions.Tests.Webhooks;

/// <summary>
/// A host of either kind in Development (so http receivers on loopback are allowed) with short retry waits. The
/// local host dispatches by itself; for the Functions app, whose timer trigger no host fires here, a pump calls
/// its <c>DispatchWebhooks</c> function every 100 ms, as the Functions host would every 10 seconds.
/// </summary>
public sealed class WebhookTestHost : IAsyncDisposable
{
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _pump;
    private readonly bool _ownsApi;

    private WebhookTestHost(IApiDriver api, bool pumpTimer, bool ownsApi = true)
    {
        Api = api;
        _ownsApi = ownsApi;
        _pump = pumpTimer && api is FunctionsDriver ? Task.Run(() => PumpAsync(api, _stop.Token)) : Task.CompletedTask;
    }

    /// <summary>Webhook helpers (and the Functions timer pump) for a host someone else started and disposes.</summary>
    public static WebhookTestHost Attach(IApiDriver api) => new(api, pumpTimer: true, ownsApi: false);

    public IApiDriver Api { get; }

    public static Dictionary<string, string?> ShortRetries() => new()
    {
        ["Webhooks:FirstRetryDelaySeconds"] = "0.2",
        ["Webhooks:BackoffMultiplier"] = "2",
        ["Webhooks:MaxRetryDelaySeconds"] = "1",
        ["Webhooks:MaxAttempts"] = "6",
        ["Webhooks:AttemptTimeoutSeconds"] = "5",
        ["Webhooks:DispatchIntervalSeconds"] = "0.2",
        ["Webhooks:PendingSweepIntervalSeconds"] = "1",
    };

    /// <param name="pumpTimer">False leaves the Functions app's timer unfired: events then stay in the outbox.</param>
    public static async Task<WebhookTestHost> StartAsync(string kind, TestStorage? storage = null, IReadOnlyDictionary<string, string?>? settings = null, bool pumpTimer = true,
        Action<IServiceCollection>? configureServices = null)
    {
        var all = ShortRetries();
        foreach (var (key, value) in settings ?? new Dictionary<string, string?>()) all[key] = value;
        return new WebhookTestHost(await Drivers.StartAsync(kind, all, configureServices, environment: "Development", storage: storage), pumpTimer);
    }

    private static async Task PumpAsync(IApiDriver api, CancellationToken stop)
    {
        var triggers = ActivatorUtilities.CreateInstance<WebhookTriggers>(api.Services);
        var durable = api.Services.GetRequiredService<DurableTaskClient>();
        while (!stop.IsCancellationRequested)
        {
            try
            {
                await triggers.Dispatch(new TimerInfo(), durable, stop);
            }
            catch (Exception)
            {
                // Stopping: the host goes away with the pump. Otherwise, as the Functions host does with a failed
                // timer invocation: the next tick tries again.
                if (stop.IsCancellationRequested) return;
            }
            try
            {
                await Task.Delay(100, stop);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    /// <summary>Subscribes <paramref name="receiver"/> to <paramref name="events"/>; returns the subscription id and its secret.</summary>
    public async Task<(string Id, string Secret)> SubscribeAsync(WebhookReceiver receiver, params string[] events)
    {
        var response = await Api.PostAsync("/api/webhooks", new JsonObject
        {
            ["url"] = receiver.Url.ToString(),
            ["events"] = new JsonArray(events.Select(e => (JsonNode?)e).ToArray()),
            ["description"] = "test receiver",
        });
        Assert.True(response.Status == 201, response.ToString());
        var subscription = response.Json["subscription"]!;
        return (subscription["id"]!.GetValue<string>(), response.Json["secret"]!.GetValue<string>());
    }

    public async Task<JsonArray> DeliveriesAsync(string subscription)
    {
        var response = await Api.GetAsync($"/api/webhooks/{subscription}/deliveries");
        Assert.True(response.Status == 200, response.ToString());
        return response.Json["data"]!.AsArray();
    }

    /// <summary>Polls the deliveries until <paramref name="condition"/> holds.</summary>
    public async Task<JsonArray> WaitForDeliveriesAsync(string subscription, Func<JsonArray, bool> condition, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(30));
        while (true)
        {
            var deliveries = await DeliveriesAsync(subscription);
            if (condition(deliveries)) return deliveries;
            Assert.True(DateTime.UtcNow < deadline, $"deliveries never reached the expected state: {deliveries.ToJsonString()}");
            await Task.Delay(100);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        await _pump;
        if (_ownsApi) await Api.DisposeAsync();
        _stop.Dispose();
    }
}
