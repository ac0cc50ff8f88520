using System.Globalization;
using Microsoft.DurableTask;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using PromptFunctions.Core.Telemetry;

namespace PromptFunctions.Core.Webhooks;

public sealed record WebhookDeliveryInput(string SubscriptionId, string DeliveryId);

/// <param name="Final">The delivery is over (delivered, failed or cancelled); otherwise try again after <paramref name="RetryAfterSeconds"/>.</param>
public sealed record WebhookAttemptResult(bool Final, string State, double RetryAfterSeconds);

/// <summary>
/// Delivers one event to one subscription: an attempt, then a durable timer for the backoff the attempt chose,
/// until the delivery is final. Every attempt posts the same body with the same <c>webhook-id</c>. The timers
/// live in the Durable backend, so waits of hours cost nothing and survive restarts (and, on the local host's
/// in-memory engine, the dispatcher's pending sweep starts a new orchestration for the delivery).
/// Deterministic: the wait comes from the activity's result, never from the clock or a random source here.
/// </summary>
public sealed class DeliverWebhookOrchestrator : TaskOrchestrator<WebhookDeliveryInput, string>
{
    // Storage hiccups inside an attempt; the receiver's failures are the attempt's own result, not exceptions.
    private static readonly TaskOptions Retries = TaskOptions.FromRetryPolicy(new RetryPolicy(
        maxNumberOfAttempts: 5, firstRetryInterval: TimeSpan.FromSeconds(2), backoffCoefficient: 2, maxRetryInterval: TimeSpan.FromSeconds(60)));

    /// <summary>Attempts per generation; Webhooks:MaxAttempts ends a delivery before this, except after redeliveries.</summary>
    public const int AttemptsPerGeneration = 100;

    public override async Task<string> RunAsync(TaskOrchestrationContext context, WebhookDeliveryInput input)
    {
        for (var i = 0; i < AttemptsPerGeneration; i++)
        {
            var result = await context.CallActivityAsync<WebhookAttemptResult>(nameof(AttemptWebhookDeliveryActivity), input, Retries);
            if (result.Final) return result.State;
            await context.CreateTimer(TimeSpan.FromSeconds(result.RetryAfterSeconds), CancellationToken.None);
        }
        context.ContinueAsNew(input);
        return DeliveryStates.Pending;
    }
}

public sealed class AttemptWebhookDeliveryActivity(WebhookDeliverer deliverer) : TaskActivity<WebhookDeliveryInput, WebhookAttemptResult>
{
    public override Task<WebhookAttemptResult> RunAsync(TaskActivityContext context, WebhookDeliveryInput input) => deliverer.AttemptAsync(input, CancellationToken.None);
}

/// <summary>One attempt of a delivery and what follows from the receiver's answer.</summary>
public sealed partial class WebhookDeliverer(
    WebhookStore store,
    WebhookSender sender,
    IOptions<WebhooksOptions> options,
    TimeProvider clock,
    PromptFunctionsMetrics metrics,
    ILogger<WebhookDeliverer> logger)
{
    public async Task<WebhookAttemptResult> AttemptAsync(WebhookDeliveryInput input, CancellationToken cancellationToken)
    {
        var delivery = await store.GetDeliveryAsync(input.SubscriptionId, input.DeliveryId, cancellationToken);
        if (delivery is null) return new WebhookAttemptResult(true, DeliveryStates.Cancelled, 0);
        if (DeliveryStates.IsFinal(delivery.State)) return new WebhookAttemptResult(true, delivery.State, 0);

        var subscription = await store.GetSubscriptionAsync(input.SubscriptionId, cancellationToken);
        if (subscription is null || !subscription.Enabled)
            return await FinishAsync(input, DeliveryStates.Cancelled, subscription is null ? "the subscription was deleted" : "the subscription is disabled", cancellationToken);
        var e = await store.GetEventAsync(delivery.MessageId, cancellationToken);
        if (e is null) return await FinishAsync(input, DeliveryStates.Failed, "the event is no longer stored", cancellationToken);

        var number = delivery.AttemptCount + 1;
        var at = clock.GetUtcNow();
        using var span = WebhookSpans.StartDelivery(e.Type, input.SubscriptionId, number);
        var sent = await sender.SendAsync(subscription.Url, e.Id, e.Body, subscription.SigningSecrets(at), cancellationToken);
        await store.RecordAttemptAsync(input.SubscriptionId, input.DeliveryId, new WebhookAttemptRecord(number, at, sent.Status, sent.DurationMs, sent.ResponseExcerpt, sent.Error),
            cancellationToken);

        string state;
        string? reason = null;
        TimeSpan? wait = null;
        if (sent.Succeeded)
        {
            state = DeliveryStates.Delivered;
        }
        else if (sent.Status == 410)
        {
            state = DeliveryStates.Failed;
            reason = "the receiver answered 410 Gone, so the subscription was disabled";
            var disabledReason = $"the receiver answered 410 Gone at {at.ToString("O", CultureInfo.InvariantCulture)} (delivery {delivery.Id})";
            await store.UpdateSubscriptionAsync(input.SubscriptionId, s => s with { Enabled = false, DisabledReason = disabledReason, UpdatedAt = at }, cancellationToken);
            LogDisabled(logger, input.SubscriptionId, delivery.Id);
        }
        else if (number - delivery.RunStartAttempt >= options.Value.MaxAttempts)
        {
            state = DeliveryStates.Failed;
            reason = $"gave up after {number - delivery.RunStartAttempt} attempts; last: {(sent.Status is { } s ? $"status {s}" : sent.Error)}";
        }
        else
        {
            state = DeliveryStates.Pending;
            wait = Jittered(options.Value.RetryDelay(number - delivery.RunStartAttempt));
        }

        var outcome = state switch { DeliveryStates.Delivered => WebhookOutcomes.Delivered, DeliveryStates.Pending => WebhookOutcomes.Retrying, _ => WebhookOutcomes.Failed };
        WebhookSpans.Finish(span, outcome, sent.Status, sent.Error);
        metrics.RecordWebhookDelivery(e.Type, outcome, sent.Status, TimeSpan.FromMilliseconds(sent.DurationMs));

        var nextAt = wait is null ? (DateTimeOffset?)null : at + wait.Value;
        await store.UpdateDeliveryAsync(input.SubscriptionId, input.DeliveryId,
            d => d with { AttemptCount = Math.Max(d.AttemptCount, number), State = state, Reason = reason, NextAttemptAt = nextAt }, cancellationToken);
        return new WebhookAttemptResult(wait is null, state, wait?.TotalSeconds ?? 0);
    }

    private async Task<WebhookAttemptResult> FinishAsync(WebhookDeliveryInput input, string state, string reason, CancellationToken cancellationToken)
    {
        await store.UpdateDeliveryAsync(input.SubscriptionId, input.DeliveryId,
            d => DeliveryStates.IsFinal(d.State) ? null : d with { State = state, Reason = reason, NextAttemptAt = null }, cancellationToken);
        return new WebhookAttemptResult(true, state, 0);
    }

    /// <summary>Spread uniformly over ± <see cref="WebhooksOptions.RetryJitter"/>, so receivers that recover are not hit by every retry at once.</summary>
    private TimeSpan Jittered(TimeSpan delay)
    {
        var jitter = options.Value.RetryJitter;
        return delay * (1 - jitter + 2 * jitter * Random.Shared.NextDouble());
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Webhook subscription {Subscription} disabled: its receiver answered 410 Gone to delivery {Delivery}")]
    private static partial void LogDisabled(ILogger logger, string subscription, string delivery);
}
