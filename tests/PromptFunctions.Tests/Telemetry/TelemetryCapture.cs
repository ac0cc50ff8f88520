using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text;
using Microsoft.Extensions.DependencyInjection;
using OpenTelemetry;
using OpenTelemetry.Logs;
using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;

namespace PromptFunctions.Tests.Telemetry;

/// <summary>
/// In-memory exporters added to a host's OpenTelemetry SDK, as a deployment's exporters would be: every span
/// and log record as it ends, metrics when flushed. Activity sources are process-wide, so spans of other tests'
/// hosts running at the same time may be captured too; filter by trace.
/// </summary>
public sealed class TelemetryCapture
{
    private readonly List<Activity> _spans = [];
    private readonly List<MetricSnapshot> _metrics = [];

    public ConcurrentQueue<string> Logs { get; } = new();

    public IReadOnlyList<Activity> Spans
    {
        get
        {
            lock (_spans) return [.. _spans];
        }
    }

    public void AddTo(IServiceCollection services)
    {
        services.ConfigureOpenTelemetryTracerProvider(tracing => tracing.AddProcessor(new SimpleActivityExportProcessor(new LockedExporter(_spans))));
        services.ConfigureOpenTelemetryMeterProvider(metrics => metrics.AddInMemoryExporter(_metrics));
        services.ConfigureOpenTelemetryLoggerProvider(logging => logging.AddProcessor(new LogText(Logs)));
    }

    /// <summary>Collects the metrics now (the SDK exports them periodically otherwise).</summary>
    public IReadOnlyList<MetricSnapshot> Metrics(IServiceProvider services)
    {
        services.GetRequiredService<MeterProvider>().ForceFlush();
        lock (_metrics) return [.. _metrics];
    }

    public IReadOnlyList<Activity> Trace(ActivityTraceId traceId) => Spans.Where(s => s.TraceId == traceId).ToList();

    /// <summary>Everything a span says, as an exporter would send it: names, ids, attributes, events, status.</summary>
    public static string Describe(Activity span)
    {
        var text = new StringBuilder();
        text.Append(span.Source.Name).Append(' ').Append(span.DisplayName).Append(' ').Append(span.OperationName).Append(' ').Append(span.Status).Append(' ').Append(span.StatusDescription);
        foreach (var (key, value) in span.TagObjects) text.Append(' ').Append(key).Append('=').Append(Render(value));
        foreach (var e in span.Events)
        {
            text.Append(' ').Append(e.Name);
            foreach (var (key, value) in e.Tags) text.Append(' ').Append(key).Append('=').Append(Render(value));
        }
        foreach (var (key, value) in span.Baggage) text.Append(' ').Append(key).Append('=').Append(value);
        return text.ToString();
    }

    public static string Describe(MetricSnapshot metric)
    {
        var text = new StringBuilder(metric.MeterName).Append(' ').Append(metric.Name).Append(' ').Append(metric.Description);
        foreach (var point in metric.MetricPoints)
        {
            foreach (var tag in point.Tags) text.Append(' ').Append(tag.Key).Append('=').Append(Render(tag.Value));
        }
        return text.ToString();
    }

    private static string Render(object? value) => value switch
    {
        null => "",
        string s => s,
        System.Collections.IEnumerable items => string.Join(",", items.Cast<object?>().Select(Render)),
        _ => Convert.ToString(value, System.Globalization.CultureInfo.InvariantCulture) ?? "",
    };

    private sealed class LockedExporter(List<Activity> spans) : BaseExporter<Activity>
    {
        public override ExportResult Export(in Batch<Activity> batch)
        {
            lock (spans)
            {
                foreach (var span in batch) spans.Add(span);
            }
            return ExportResult.Success;
        }
    }

    /// <summary>A log record as the exporters see it: message, template, attributes, scopes and exception.</summary>
    private sealed class LogText(ConcurrentQueue<string> lines) : BaseProcessor<LogRecord>
    {
        public override void OnEnd(LogRecord data)
        {
            var text = new StringBuilder().Append(data.CategoryName).Append(' ').Append(data.LogLevel).Append(' ').Append(data.FormattedMessage).Append(' ').Append(data.Body);
            foreach (var (key, value) in data.Attributes ?? []) text.Append(' ').Append(key).Append('=').Append(Render(value));
            data.ForEachScope((scope, builder) =>
            {
                foreach (var (key, value) in scope) builder.Append(' ').Append(key).Append('=').Append(Render(value));
            }, text);
            if (data.Exception is { } exception) text.Append(' ').Append(exception);
            lines.Enqueue(text.ToString());
        }
    }
}
