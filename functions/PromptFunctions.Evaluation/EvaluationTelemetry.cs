using System.Diagnostics;

namespace PromptFunctions.Evaluation;

/// <summary>
/// One span per evaluator run, on an activity source the host's OpenTelemetry SDK listens to. Without a listener,
/// or outside a recorded trace, nothing is created.
/// </summary>
public static class EvaluationTelemetry
{
    public const string SourceName = "PromptFunctions.Evaluation";

    public const string EvaluatorTypeAttribute = "promptfunctions.evaluator.type";
    public const string EvaluatorMetricsAttribute = "promptfunctions.evaluator.metrics";
    public const string EvaluatorScoresAttribute = "promptfunctions.evaluator.scores";

    internal static readonly ActivitySource Source = new(SourceName);

    internal static Activity? StartEvaluator(RegisteredEvaluator registered)
    {
        // Only inside a recorded trace: an evaluator run on its own is not worth a trace of its own.
        if (!Source.HasListeners() || Activity.Current is not { IsAllDataRequested: true }) return null;
        var span = Source.StartActivity("evaluate " + registered.Type);
        if (span is { IsAllDataRequested: true })
        {
            span.SetTag(EvaluatorTypeAttribute, registered.Type);
            span.SetTag(EvaluatorMetricsAttribute, registered.Evaluator.EvaluationMetricNames.ToArray());
        }
        return span;
    }

    internal static void Finish(Activity? span, IReadOnlyList<EvaluatorOutcome> outcomes)
    {
        if (span is not { IsAllDataRequested: true }) return;
        // Arrays in metric order, so an evaluator that reports several metrics stays one span with fixed attribute names.
        span.SetTag(EvaluatorScoresAttribute, outcomes.Select(o => o.Score ?? double.NaN).ToArray());
        if (outcomes.FirstOrDefault(o => o.Error is not null) is { Error: { } error })
        {
            // The evaluator could not judge: an error of the span, not a verdict on the model's output.
            span.SetStatus(ActivityStatusCode.Error, error);
        }
    }
}
