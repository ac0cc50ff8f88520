using System.Diagnostics;
using PromptFunctions.Core.Experiments;

namespace PromptFunctions.Core.Telemetry;

/// <summary>
/// One span per experiment batch, under the Durable activity that runs it. It carries the experiment's prompt
/// attributes, which <see cref="PromptAttributesProcessor"/> hands down to the model calls and evaluators below.
/// </summary>
public static class ExperimentSpans
{
    public static readonly ActivitySource Source = new(TelemetryNames.ExperimentsSource);

    public const string BatchSpan = "experiment.batch";

    public static Activity? StartBatch(ExperimentRecord experiment, ExperimentBatchInput input)
    {
        if (!Source.HasListeners()) return null;
        var span = Source.StartActivity(BatchSpan);
        if (span is not { IsAllDataRequested: true }) return span;
        span.SetTag(TelemetryAttributes.ExperimentId, experiment.Id);
        span.SetTag(TelemetryAttributes.ExperimentBatch, input.Batch);
        span.SetTag("promptfunctions.experiment.first_unit", input.FirstUnit);
        span.SetTag("promptfunctions.experiment.units", input.Units);
        span.SetTag(TelemetryAttributes.ModelConnection, experiment.Connection);
        span.SetTag(TelemetryAttributes.GenAiRequestModel, experiment.Model);
        PromptSpans.Describe(span, experiment.PromptName, experiment.PromptVersionId, experiment.PromptTag);
        if (experiment.DraftJson is not null) span.SetTag("promptfunctions.prompt.draft", true);
        return span;
    }

    public static void FinishBatch(Activity? span, ExperimentBatchResult result)
    {
        if (span is not { IsAllDataRequested: true }) return;
        span.SetTag(TelemetryAttributes.ExperimentRows, result.Units);
        span.SetTag("promptfunctions.experiment.row_errors", result.Errors);
        if (result.Cancelled) span.SetTag("promptfunctions.experiment.cancelled", true);
    }
}
