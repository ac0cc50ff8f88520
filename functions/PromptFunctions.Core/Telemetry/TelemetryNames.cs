namespace PromptFunctions.Core.Telemetry;

/// <summary>
/// The names other code, dashboards and the docs refer to: one activity source per feature, one meter, and the
/// attributes that say which prompt a span concerns. Listed in docs/telemetry.md.
/// </summary>
public static class TelemetryNames
{
    /// <summary>Prompt resolution (tag, latest or version to a version record) and content loads.</summary>
    public const string PromptsSource = "PromptFunctions.Prompts";

    /// <summary>Experiment batches.</summary>
    public const string ExperimentsSource = "PromptFunctions.Experiments";

    /// <summary>Model calls: the chat spans of <c>Microsoft.Extensions.AI</c>'s OpenTelemetry client, with GenAI semantic conventions.</summary>
    public const string ModelsSource = "PromptFunctions.Models";

    /// <summary>One span per evaluator run (defined in the evaluation library, which has no Azure or SDK dependency).</summary>
    public const string EvaluationSource = Evaluation.EvaluationTelemetry.SourceName;

    /// <summary>Webhook deliveries: one span per delivery attempt, started by the webhook sender with <see cref="WebhookSpans.Source"/>.</summary>
    public const string WebhooksSource = "PromptFunctions.Webhooks";

    /// <summary>The Durable Task SDK's own spans (orchestration and activity executions, scheduling).</summary>
    public const string DurableTaskSource = "Microsoft.DurableTask";

    /// <summary>Every PromptFunctions instrument (<see cref="PromptFunctionsMetrics"/>).</summary>
    public const string Meter = "PromptFunctions";

    public static readonly IReadOnlyList<string> Sources = [PromptsSource, ExperimentsSource, ModelsSource, EvaluationSource, WebhooksSource, DurableTaskSource];
}

/// <summary>Attribute names on spans and metrics. Custom ones carry the <c>promptfunctions.</c> prefix; the others follow OpenTelemetry's semantic conventions.</summary>
public static class TelemetryAttributes
{
    public const string PromptName = "promptfunctions.prompt.name";
    public const string PromptVersionId = "promptfunctions.prompt.version_id";

    /// <summary>The tag the version was resolved from; absent when it was asked for by id, sequence or as latest.</summary>
    public const string PromptTag = "promptfunctions.prompt.tag";

    /// <summary><c>tag</c>, <c>latest</c> or <c>version</c>.</summary>
    public const string PromptPointer = "promptfunctions.prompt.pointer";

    /// <summary><see cref="CacheOutcomes.Hit"/> or <see cref="CacheOutcomes.Miss"/>.</summary>
    public const string Cache = "promptfunctions.cache";

    public const string ExperimentId = "promptfunctions.experiment.id";
    public const string ExperimentBatch = "promptfunctions.experiment.batch";
    public const string ExperimentRows = "promptfunctions.experiment.rows";
    public const string RowOutcome = "promptfunctions.row.outcome";

    /// <summary>The configured model connection's name (<c>Models:&lt;name&gt;</c>), never its endpoint or key.</summary>
    public const string ModelConnection = "promptfunctions.model.connection";

    public const string WebhookEventType = "promptfunctions.webhook.event_type";
    public const string WebhookSubscription = "promptfunctions.webhook.subscription";

    /// <summary><see cref="WebhookOutcomes"/>.</summary>
    public const string WebhookOutcome = "promptfunctions.webhook.outcome";

    public const string HttpRoute = "http.route";
    public const string HttpResponseStatusCode = "http.response.status_code";
    public const string ErrorType = "error.type";
    public const string GenAiRequestModel = "gen_ai.request.model";
    public const string GenAiTokenType = "gen_ai.token.type";

    /// <summary>The attributes copied from a span to the spans started under it in this process.</summary>
    public static readonly IReadOnlyList<string> Inherited = [PromptName, PromptVersionId, PromptTag];
}

public static class CacheOutcomes
{
    public const string Hit = "hit";
    public const string Miss = "miss";
}

public static class WebhookOutcomes
{
    /// <summary>The subscriber answered 2xx.</summary>
    public const string Delivered = "delivered";

    /// <summary>The attempt failed and another will follow.</summary>
    public const string Retrying = "retrying";

    /// <summary>The attempt failed and no other will follow (attempts exhausted, or a response that retrying cannot fix).</summary>
    public const string Failed = "failed";
}
