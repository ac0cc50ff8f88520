using System.Text.Json.Nodes;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.AI.Evaluation;

namespace PromptFunctions.Evaluation.Evaluators;

/// <summary>What one evaluator concluded about one output.</summary>
/// <param name="Value">In [0, 1]; higher is better.</param>
/// <param name="Passed">Null for evaluators without a pass/fail notion.</param>
public sealed record EvaluatorScore(double Value, bool? Passed, string Explanation, string? Label = null)
{
    public double Value { get; } = double.IsFinite(Value) && Value is >= 0 and <= 1
        ? Value
        : throw new ArgumentOutOfRangeException(nameof(Value), Value, "a score is in [0, 1]");

    public static EvaluatorScore Pass(string explanation) => new(1, true, explanation);

    public static EvaluatorScore Fail(string explanation) => new(0, false, explanation);

    public static EvaluatorScore Of(bool passed, string explanation) => passed ? Pass(explanation) : Fail(explanation);
}

/// <summary>
/// The evaluator could not judge the output (no expected value, regex timeout, malformed judge answer). This is not a
/// verdict on the model: the metric carries an error diagnostic and no value, and statistics leave it out.
/// </summary>
public sealed class EvaluationFailedException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>What an evaluator gets to look at for one row.</summary>
public sealed record EvaluationSample(string Output, IReadOnlyList<ChatMessage> Messages, JsonNode? Input, JsonNode? Expected)
{
    /// <summary>The expected value, or a failure naming the option that could replace it.</summary>
    public JsonNode RequireExpected(string optionName) => Expected
        ?? throw new EvaluationFailedException($"the example has no expected value to compare with; give one in the dataset or set '{optionName}' in the evaluator spec");
}

/// <summary>
/// Base of this library's evaluators: one <see cref="NumericMetric"/> named after the evaluator, with the score as its
/// value, the explanation as its reason, pass/fail as its interpretation, and the evaluator type (and a label, when
/// there is one) in its metadata. Expected and input values come from <see cref="ExpectedOutputContext"/> and
/// <see cref="ExampleInputContext"/>.
/// </summary>
public abstract class OutputEvaluator : IEvaluator
{
    public const string TypeMetadataKey = "evaluator_type";
    public const string LabelMetadataKey = "label";

    protected OutputEvaluator(string name, string type)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        ArgumentException.ThrowIfNullOrEmpty(type);
        Name = name;
        Type = type;
        EvaluationMetricNames = [name];
    }

    public string Name { get; }

    public string Type { get; }

    public IReadOnlyCollection<string> EvaluationMetricNames { get; }

    public async ValueTask<EvaluationResult> EvaluateAsync(
        IEnumerable<ChatMessage> messages,
        ChatResponse modelResponse,
        ChatConfiguration? chatConfiguration = null,
        IEnumerable<EvaluationContext>? additionalContext = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(messages);
        ArgumentNullException.ThrowIfNull(modelResponse);
        JsonNode? expected = null, input = null;
        foreach (var context in additionalContext ?? [])
        {
            if (context is ExpectedOutputContext e) expected = e.Expected;
            else if (context is ExampleInputContext i) input = i.Input;
        }
        var sample = new EvaluationSample(modelResponse.Text, messages as IReadOnlyList<ChatMessage> ?? [.. messages], input, expected);

        NumericMetric metric;
        try
        {
            var score = await ScoreAsync(sample, chatConfiguration, cancellationToken).ConfigureAwait(false);
            metric = new NumericMetric(Name, score.Value, score.Explanation);
            if (score.Passed is { } passed)
                metric.Interpretation = new EvaluationMetricInterpretation(passed ? EvaluationRating.Good : EvaluationRating.Unacceptable, failed: !passed);
            if (score.Label is not null) metric.AddOrUpdateMetadata(LabelMetadataKey, score.Label);
        }
        catch (EvaluationFailedException failure)
        {
            metric = new NumericMetric(Name, value: null, reason: failure.Message);
            metric.AddDiagnostics(EvaluationDiagnostic.Error(failure.Message));
        }
        metric.AddOrUpdateMetadata(TypeMetadataKey, Type);
        return new EvaluationResult(metric);
    }

    /// <summary>Scores one output; throws <see cref="EvaluationFailedException"/> when it cannot.</summary>
    protected abstract ValueTask<EvaluatorScore> ScoreAsync(EvaluationSample sample, ChatConfiguration? chatConfiguration, CancellationToken cancellationToken);
}

/// <summary>An evaluator whose work is synchronous and local.</summary>
public abstract class LocalOutputEvaluator(string name, string type) : OutputEvaluator(name, type)
{
    protected sealed override ValueTask<EvaluatorScore> ScoreAsync(EvaluationSample sample, ChatConfiguration? chatConfiguration, CancellationToken cancellationToken) =>
        ValueTask.FromResult(Score(sample));

    protected abstract EvaluatorScore Score(EvaluationSample sample);
}
