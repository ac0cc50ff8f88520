using System.Diagnostics;

namespace PromptFunctions.Core.Telemetry;

/// <summary>
/// For the webhook sender: one span per delivery attempt, under whatever span is current (the Durable activity
/// that delivers, in the trace of the change that caused the event). The subscriber's URL is not an attribute:
/// subscribers put tokens in them. Record the attempt's metrics with
/// <see cref="PromptFunctionsMetrics.RecordWebhookDelivery"/> too.
/// </summary>
public static class WebhookSpans
{
    public static readonly ActivitySource Source = new(TelemetryNames.WebhooksSource);

    public static Activity? StartDelivery(string eventType, string subscriptionId, int attempt)
    {
        if (!Source.HasListeners()) return null;
        var span = Source.StartActivity("webhook.deliver", ActivityKind.Producer);
        if (span is { IsAllDataRequested: true })
        {
            span.SetTag(TelemetryAttributes.WebhookEventType, eventType);
            span.SetTag(TelemetryAttributes.WebhookSubscription, subscriptionId);
            span.SetTag("promptfunctions.webhook.attempt", attempt);
        }
        return span;
    }

    /// <param name="outcome">One of <see cref="WebhookOutcomes"/>.</param>
    public static void Finish(Activity? span, string outcome, int? statusCode, string? error = null)
    {
        if (span is not { IsAllDataRequested: true }) return;
        span.SetTag(TelemetryAttributes.WebhookOutcome, outcome);
        if (statusCode is { } status) span.SetTag(TelemetryAttributes.HttpResponseStatusCode, status);
        if (outcome != WebhookOutcomes.Delivered) span.SetStatus(ActivityStatusCode.Error, error);
    }
}
