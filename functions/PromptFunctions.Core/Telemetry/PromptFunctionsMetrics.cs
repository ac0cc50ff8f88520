using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace PromptFunctions.Core.Telemetry;

/// <summary>
/// Every instrument of the <see cref="TelemetryNames.Meter"/> meter. Instruments record only while an exporter
/// listens (<see cref="Instrument.Enabled"/>), so without telemetry each call is a field read.
/// </summary>
public sealed class PromptFunctionsMetrics
{
    public PromptFunctionsMetrics(IMeterFactory meters)
    {
        var meter = meters.Create(TelemetryNames.Meter);
        FetchDuration = meter.CreateHistogram<double>("promptfunctions.prompt.fetch.duration", "s",
            "Time to answer a prompt fetch (by tag, latest or version id), by route and whether the resolution came from the cache.",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1] });
        ModelCalls = meter.CreateCounter<long>("promptfunctions.model.calls", "{call}",
            "Model calls that reached a provider (responses replayed from the experiment cache are not calls), by connection, model and error type.");
        ModelTokens = meter.CreateCounter<long>("promptfunctions.model.tokens", "{token}",
            "Tokens the provider reported, by connection, model and gen_ai.token.type (input or output).");
        ModelCost = meter.CreateCounter<double>("promptfunctions.model.cost", "{USD}",
            "Cost of model calls from Experiments:Prices (per million tokens), by connection and model; models without a price add nothing.");
        ExperimentRows = meter.CreateCounter<long>("promptfunctions.experiment.rows", "{row}",
            "Experiment rows finished (rendered, called, scored, or failed with their error); its rate is rows per second.");
        ExperimentBatchThroughput = meter.CreateHistogram<double>("promptfunctions.experiment.batch.throughput", "{row}/s",
            "Rows per second of each finished experiment batch, wall clock from its start to its last write.");
        WebhookDeliveries = meter.CreateCounter<long>("promptfunctions.webhook.deliveries", "{delivery}",
            "Webhook delivery attempts by event type and outcome (delivered, retrying, failed) and the subscriber's status code.");
        WebhookDeliveryDuration = meter.CreateHistogram<double>("promptfunctions.webhook.delivery.duration", "s",
            "Time of one webhook delivery attempt, from sending the request to the subscriber's answer or the failure.");
    }

    public Histogram<double> FetchDuration { get; }
    public Counter<long> ModelCalls { get; }
    public Counter<long> ModelTokens { get; }
    public Counter<double> ModelCost { get; }
    public Counter<long> ExperimentRows { get; }
    public Histogram<double> ExperimentBatchThroughput { get; }
    public Counter<long> WebhookDeliveries { get; }
    public Histogram<double> WebhookDeliveryDuration { get; }

    /// <param name="route">The route template (a constant from <c>ApiRoutes</c>), never the request path.</param>
    /// <param name="cached">Whether the pointer (tag, latest, version reference) resolved from this process's cache.</param>
    /// <param name="startedAt">From <see cref="Stopwatch.GetTimestamp"/> when the handler began; the time to the reply, not to its last byte.</param>
    public void RecordFetch(string route, bool cached, long startedAt)
    {
        if (!FetchDuration.Enabled) return;
        FetchDuration.Record(Stopwatch.GetElapsedTime(startedAt).TotalSeconds,
            new KeyValuePair<string, object?>(TelemetryAttributes.HttpRoute, route),
            new KeyValuePair<string, object?>(TelemetryAttributes.Cache, cached ? CacheOutcomes.Hit : CacheOutcomes.Miss));
    }

    public void RecordExperimentRow(bool failed)
    {
        if (ExperimentRows.Enabled) ExperimentRows.Add(1, new KeyValuePair<string, object?>(TelemetryAttributes.RowOutcome, failed ? "error" : "ok"));
    }

    public void RecordExperimentBatch(int rows, TimeSpan elapsed)
    {
        if (ExperimentBatchThroughput.Enabled && rows > 0 && elapsed > TimeSpan.Zero) ExperimentBatchThroughput.Record(rows / elapsed.TotalSeconds);
    }

    /// <summary>One attempt to deliver a webhook, whatever its result; for the webhook sender.</summary>
    /// <param name="outcome">One of <see cref="WebhookOutcomes"/>.</param>
    /// <param name="statusCode">The subscriber's status code; null when no response came (timeout, refused connection).</param>
    public void RecordWebhookDelivery(string eventType, string outcome, int? statusCode, TimeSpan elapsed)
    {
        var tags = new TagList
        {
            { TelemetryAttributes.WebhookEventType, eventType },
            { TelemetryAttributes.WebhookOutcome, outcome },
        };
        if (statusCode is { } status) tags.Add(TelemetryAttributes.HttpResponseStatusCode, status);
        if (WebhookDeliveries.Enabled) WebhookDeliveries.Add(1, tags);
        if (WebhookDeliveryDuration.Enabled) WebhookDeliveryDuration.Record(elapsed.TotalSeconds, tags);
    }
}
