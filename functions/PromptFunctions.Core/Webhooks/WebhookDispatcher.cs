using Microsoft.DurableTask;
using Microsoft.DurableTask.Client;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using PromptFunctions.Core.Durable;

namespace PromptFunctions.Core.Webhooks;

/// <summary>
/// Moves events from the outbox into deliveries, one per matching enabled subscription, and hands each delivery to
/// its <see cref="DeliverWebhookOrchestrator"/>. Every step can be repeated safely: deliveries have deterministic
/// ids, a delivery is claimed for an orchestration instance under its ETag before the instance is scheduled, and
/// an outbox entry is removed only after its deliveries are handed over. At start, and every
/// <see cref="WebhooksOptions.PendingSweepIntervalSeconds"/>, it also restarts pending deliveries whose
/// orchestration is gone (the local host's engine keeps orchestrations in memory only), and removes what is older
/// than <see cref="WebhooksOptions.RetentionDays"/>.
/// The Functions app runs it from a timer trigger, the local host from <see cref="WebhookDispatchLoop"/>.
/// </summary>
public sealed partial class WebhookDispatcher(WebhookStore store, IOptions<WebhooksOptions> options, TimeProvider clock, ILogger<WebhookDispatcher> logger)
{
    private const int BatchSize = 500;
    private readonly SemaphoreSlim _running = new(1, 1);
    private DateTimeOffset? _lastPendingSweep;
    private DateTimeOffset? _lastPurge;

    /// <summary>One pass; passes in the same process never overlap.</summary>
    public async Task DispatchAsync(DurableTaskClient durable, CancellationToken cancellationToken)
    {
        await _running.WaitAsync(cancellationToken);
        try
        {
            await FanOutAsync(durable, cancellationToken);
            var now = clock.GetUtcNow();
            if (_lastPendingSweep is null || now - _lastPendingSweep >= TimeSpan.FromSeconds(options.Value.PendingSweepIntervalSeconds))
            {
                await SweepPendingAsync(durable, cancellationToken);
                _lastPendingSweep = now;
            }
            // Purging scans every subscription's deliveries, so it runs at most hourly (more often only when the
            // retention itself is shorter than a few hours).
            var retention = TimeSpan.FromDays(options.Value.RetentionDays);
            if (_lastPurge is null || now - _lastPurge >= TimeSpan.FromTicks(Math.Min(TimeSpan.FromHours(1).Ticks, retention.Ticks / 4)))
            {
                await store.PurgeAsync(now - retention, cancellationToken);
                _lastPurge = now;
            }
        }
        finally
        {
            _running.Release();
        }
    }

    private async Task FanOutAsync(DurableTaskClient durable, CancellationToken cancellationToken)
    {
        while (true)
        {
            var outbox = await store.ReadOutboxAsync(BatchSize, cancellationToken);
            if (outbox.Count == 0) return;
            var subscriptions = (await store.ListSubscriptionsAsync(options.Value.MaxSubscriptions, null, cancellationToken)).Items.Where(s => s.Enabled).ToList();
            foreach (var (e, etag) in outbox)
            {
                var matching = subscriptions.Where(s => s.Events.Contains(e.Type, StringComparer.Ordinal)).ToList();
                if (matching.Count == 0)
                {
                    // Kept events serve their deliveries (the body) and deduplicate republishing while those run;
                    // an event nobody wants needs neither, so it does not accumulate.
                    await store.RemoveUndeliveredEventAsync(e.Id, cancellationToken);
                    continue;
                }
                foreach (var subscription in matching)
                {
                    var delivery = await store.CreateDeliveryAsync(subscription.Id, e, cancellationToken);
                    await StartAsync(durable, delivery, cancellationToken);
                }
                await store.RemoveFromOutboxAsync(e.Id, etag, cancellationToken);
            }
            if (outbox.Count < BatchSize) return;
        }
    }

    private async Task SweepPendingAsync(DurableTaskClient durable, CancellationToken cancellationToken)
    {
        foreach (var (subscriptionId, deliveryId) in await store.ReadPendingAsync(10_000, cancellationToken))
        {
            var delivery = await store.GetDeliveryAsync(subscriptionId, deliveryId, cancellationToken);
            if (delivery is null || DeliveryStates.IsFinal(delivery.State))
            {
                await store.RemovePendingAsync(subscriptionId, deliveryId, cancellationToken);
                continue;
            }
            await StartAsync(durable, delivery, cancellationToken);
        }
    }

    /// <summary>
    /// Makes sure a pending delivery has a running orchestration: nothing when its instance runs, otherwise a new
    /// instance (the next generation), claimed on the delivery row first so that two dispatchers start one.
    /// </summary>
    public async Task StartAsync(DurableTaskClient durable, WebhookDeliveryRecord delivery, CancellationToken cancellationToken)
    {
        if (DeliveryStates.IsFinal(delivery.State)) return;
        if (delivery.InstanceId is { } current)
        {
            var instance = await durable.GetInstanceAsync(current, cancellationToken);
            if (instance is { RuntimeStatus: OrchestrationRuntimeStatus.Running or OrchestrationRuntimeStatus.Pending or OrchestrationRuntimeStatus.Suspended }) return;
        }
        var claimed = await store.UpdateDeliveryAsync(delivery.SubscriptionId, delivery.Id, d =>
            DeliveryStates.IsFinal(d.State) || d.InstanceId != delivery.InstanceId ? null : d with { InstanceId = $"{d.Id}-{d.Generation + 1}", Generation = d.Generation + 1 },
            cancellationToken);
        if (claimed is not DeliveryChange.Changed { Delivery: var started }) return;
        await durable.ScheduleNewOrchestrationInstanceAsync(nameof(DeliverWebhookOrchestrator), new WebhookDeliveryInput(started.SubscriptionId, started.Id),
            new StartOrchestrationOptions(started.InstanceId), cancellationToken);
        LogStarted(logger, started.Id, started.SubscriptionId, started.Generation);
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "Delivery {Delivery} to subscription {Subscription} handed to its orchestration (generation {Generation})")]
    private static partial void LogStarted(ILogger logger, string delivery, string subscription, int generation);
}

/// <summary>
/// The local host's dispatcher: a pass at start, one whenever an event is published in this process, and one
/// every <see cref="WebhooksOptions.DispatchIntervalSeconds"/> for events other processes wrote.
/// </summary>
public sealed class WebhookDispatchLoop(
    WebhookDispatcher dispatcher,
    WebhookDispatchSignal signal,
    DurableTaskClient durable,
    IOptions<WebhooksOptions> options,
    ILogger<WebhookDispatchLoop> logger)
    : SignalledPassService(signal, durable, TimeSpan.FromSeconds(options.Value.DispatchIntervalSeconds), logger)
{
    protected override string PassName => "Webhook dispatch";

    protected override Task PassAsync(DurableTaskClient durable, CancellationToken cancellationToken) => dispatcher.DispatchAsync(durable, cancellationToken);
}
