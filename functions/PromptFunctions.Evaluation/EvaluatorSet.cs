using System.Globalization;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.AI.Evaluation;
using PromptFunctions.Evaluation.Evaluators;
using PromptFunctions.Evaluation.Specs;

namespace PromptFunctions.Evaluation;

/// <summary>One evaluator's result for one output.</summary>
/// <param name="Score">In [0, 1]; null exactly when <paramref name="Error"/> is set.</param>
/// <param name="Passed">Null when the evaluator has no pass/fail notion, or on error.</param>
/// <param name="Error">The evaluator could not judge this output (it threw, or reported an error diagnostic). Not a verdict on the model.</param>
public sealed record EvaluatorOutcome(
    string Name,
    string Type,
    double? Score,
    bool? Passed,
    string Explanation,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Error = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Label = null)
{
    public static EvaluatorOutcome Failure(string name, string type, string error) => new(name, type, null, null, error, error);
}

/// <summary>
/// An evaluator in a set. <paramref name="Type"/> names it in results; <paramref name="ScoreRange"/> rescales the
/// numeric metrics of evaluators whose scale is not [0, 1] (for example a 1-5 rating: <c>(1, 5)</c>).
/// </summary>
public sealed record RegisteredEvaluator(IEvaluator Evaluator, string Type, (double Min, double Max)? ScoreRange = null);

/// <summary>Everything one evaluation may look at.</summary>
/// <param name="Messages">The rendered prompt that produced the output; when absent, the input as one user message.</param>
public sealed record EvaluationRequest(ChatResponse Output, JsonNode? Input, JsonNode? Expected, IReadOnlyList<ChatMessage>? Messages = null);

/// <summary>
/// The evaluators of an experiment, run together on each output. Any <see cref="IEvaluator"/> can take part: each
/// metric it declares becomes one <see cref="EvaluatorOutcome"/> (numeric metrics as scores, boolean metrics as 1 or 0
/// with pass/fail, interpretations as pass/fail, error diagnostics as errors). An evaluator that throws yields error
/// outcomes for its own metrics only; cancellation of the caller's token is the one exception that propagates.
/// </summary>
public sealed class EvaluatorSet
{
    private readonly IReadOnlyList<RegisteredEvaluator> evaluators;
    private readonly ChatConfiguration? chatConfiguration;

    /// <param name="judgeClient">The chat client for judge evaluators; the engine passes its own pipeline (response cache included).</param>
    /// <exception cref="ArgumentException">Two evaluators declare the same metric name.</exception>
    public EvaluatorSet(IEnumerable<RegisteredEvaluator> evaluators, IChatClient? judgeClient = null)
    {
        this.evaluators = [.. evaluators];
        var names = new HashSet<string>(StringComparer.Ordinal);
        foreach (var registered in this.evaluators)
        {
            if (registered.ScoreRange is { } range && !(double.IsFinite(range.Min) && double.IsFinite(range.Max) && range.Max > range.Min))
                throw new ArgumentException($"the score range of a '{registered.Type}' evaluator must have a finite minimum below its maximum", nameof(evaluators));
            foreach (var name in registered.Evaluator.EvaluationMetricNames)
                if (!names.Add(name)) throw new ArgumentException($"two evaluators declare the metric '{name}'", nameof(evaluators));
        }
        chatConfiguration = judgeClient is null ? null : new ChatConfiguration(judgeClient);
    }

    /// <exception cref="ArgumentException">A spec needs a chat client and none is given, or two specs share a name.</exception>
    public static EvaluatorSet Create(IEnumerable<EvaluatorSpec> specs, IChatClient? judgeClient = null)
    {
        var list = specs.ToList();
        if (judgeClient is null && list.FirstOrDefault(s => s.RequiresChatClient) is { } needsClient)
            throw new ArgumentException($"the evaluator '{needsClient.Name}' ({needsClient.Type}) needs a judge chat client", nameof(judgeClient));
        return new EvaluatorSet(list.Select(s => new RegisteredEvaluator(s.CreateEvaluator(), s.Type)), judgeClient);
    }

    public IReadOnlyList<RegisteredEvaluator> Evaluators => evaluators;

    public Task<IReadOnlyList<EvaluatorOutcome>> EvaluateAsync(string output, JsonNode? input, JsonNode? expected, CancellationToken cancellationToken = default) =>
        EvaluateAsync(new EvaluationRequest(new ChatResponse(new ChatMessage(ChatRole.Assistant, output)), input, expected), cancellationToken);

    /// <summary>Runs every evaluator concurrently; outcomes come in registration order, one per declared metric.</summary>
    public async Task<IReadOnlyList<EvaluatorOutcome>> EvaluateAsync(EvaluationRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        var messages = request.Messages ?? DefaultMessages(request.Input);
        EvaluationContext[] context = [new ExpectedOutputContext(request.Expected), new ExampleInputContext(request.Input)];
        // On the thread pool, so synchronous evaluators run side by side and never on a caller's synchronization context.
        var runs = evaluators.Select(e => Task.Run(() => RunAsync(e, messages, request.Output, context, cancellationToken), cancellationToken)).ToArray();
        var results = await Task.WhenAll(runs).ConfigureAwait(false);
        return [.. results.SelectMany(r => r)];
    }

    private async Task<IReadOnlyList<EvaluatorOutcome>> RunAsync(
        RegisteredEvaluator registered, IReadOnlyList<ChatMessage> messages, ChatResponse output, EvaluationContext[] context, CancellationToken cancellationToken)
    {
        using var span = EvaluationTelemetry.StartEvaluator(registered);
        var outcomes = await EvaluateOneAsync(registered, messages, output, context, cancellationToken).ConfigureAwait(false);
        EvaluationTelemetry.Finish(span, outcomes);
        return outcomes;
    }

    private async Task<IReadOnlyList<EvaluatorOutcome>> EvaluateOneAsync(
        RegisteredEvaluator registered, IReadOnlyList<ChatMessage> messages, ChatResponse output, EvaluationContext[] context, CancellationToken cancellationToken)
    {
        var names = registered.Evaluator.EvaluationMetricNames;
        EvaluationResult result;
        try
        {
            result = await registered.Evaluator.EvaluateAsync(messages, output, chatConfiguration, context, cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            throw;
        }
        catch (Exception e)
        {
            var error = $"the evaluator threw {e.GetType().Name}: {e.Message}";
            return [.. names.Select(name => EvaluatorOutcome.Failure(name, registered.Type, error))];
        }

        var outcomes = new List<EvaluatorOutcome>(names.Count);
        foreach (var name in names)
        {
            outcomes.Add(result.Metrics.TryGetValue(name, out var metric)
                ? ToOutcome(metric, registered)
                : EvaluatorOutcome.Failure(name, registered.Type, $"the evaluator returned no metric '{name}'"));
        }
        return outcomes;
    }

    internal static EvaluatorOutcome ToOutcome(EvaluationMetric metric, RegisteredEvaluator registered)
    {
        var type = registered.Type;
        var errors = metric.Diagnostics?.Where(d => d.Severity == EvaluationDiagnosticSeverity.Error).Select(d => d.Message).ToList() ?? [];
        if (errors.Count > 0) return EvaluatorOutcome.Failure(metric.Name, type, string.Join("; ", errors));

        var passed = metric.Interpretation is { } interpretation ? !interpretation.Failed : (bool?)null;
        double? score;
        switch (metric)
        {
            case NumericMetric { Value: { } value }:
                score = registered.ScoreRange is { } range ? (value - range.Min) / (range.Max - range.Min) : value;
                break;
            case BooleanMetric { Value: { } flag }:
                score = flag ? 1 : 0;
                passed ??= flag;
                break;
            default:
                return EvaluatorOutcome.Failure(metric.Name, type, $"the metric '{metric.Name}' ({metric.GetType().Name}) has no numeric or boolean value to score");
        }
        if (!double.IsFinite(score.Value) || score < 0 || score > 1)
        {
            return EvaluatorOutcome.Failure(metric.Name, type,
                $"the metric '{metric.Name}' has the value {score.Value.ToString("R", CultureInfo.InvariantCulture)} after scaling, outside [0, 1]; register the evaluator with its score range");
        }
        var explanation = metric.Reason ?? metric.Interpretation?.Reason ?? "";
        string? label = null;
        metric.Metadata?.TryGetValue(OutputEvaluator.LabelMetadataKey, out label);
        return new EvaluatorOutcome(metric.Name, type, score, passed, explanation, null, label);
    }

    private static IReadOnlyList<ChatMessage> DefaultMessages(JsonNode? input) =>
        Text.JsonText.ToText(input) is { } text ? [new ChatMessage(ChatRole.User, text)] : [];
}
