using System.Text.Json.Nodes;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.AI.Evaluation;
using PromptFunctions.Evaluation.Specs;

namespace PromptFunctions.Evaluation.Tests;

public sealed class EvaluatorSetTests
{
    /// <summary>An evaluator from outside this library, written against the Microsoft.Extensions.AI.Evaluation contract only.</summary>
    private sealed class ForeignEvaluator(string metricName, Func<string, string?, EvaluationMetric> score) : IEvaluator
    {
        public IReadOnlyCollection<string> EvaluationMetricNames => [metricName];

        public ValueTask<EvaluationResult> EvaluateAsync(IEnumerable<ChatMessage> messages, ChatResponse modelResponse, ChatConfiguration? chatConfiguration = null,
            IEnumerable<EvaluationContext>? additionalContext = null, CancellationToken cancellationToken = default)
        {
            var expected = additionalContext?.FirstOrDefault(c => c.Name == "Expected output")?.Contents.OfType<TextContent>().SingleOrDefault()?.Text;
            return ValueTask.FromResult(new EvaluationResult(score(modelResponse.Text, expected)));
        }
    }

    private sealed class ThrowingEvaluator(Exception exception) : IEvaluator
    {
        public IReadOnlyCollection<string> EvaluationMetricNames => ["thrower"];

        public ValueTask<EvaluationResult> EvaluateAsync(IEnumerable<ChatMessage> messages, ChatResponse modelResponse, ChatConfiguration? chatConfiguration = null,
            IEnumerable<EvaluationContext>? additionalContext = null, CancellationToken cancellationToken = default) => throw exception;
    }

    private static RegisteredEvaluator Spec(string json)
    {
        var spec = EvaluatorSpecParser.ParseOne(JsonNode.Parse(json));
        return new RegisteredEvaluator(spec.CreateEvaluator(), spec.Type);
    }

    [Fact]
    public async Task Outcomes_come_in_registration_order_and_a_throwing_evaluator_fails_alone()
    {
        var set = new EvaluatorSet([
            Spec("""{"type":"contains","value":"Paris"}"""),
            new RegisteredEvaluator(new ThrowingEvaluator(new InvalidOperationException("boom")), "custom"),
            new RegisteredEvaluator(new ForeignEvaluator("slow", (_, _) => throw new OperationCanceledException("HTTP timeout")), "custom-timeout"),
            Spec("""{"type":"json_valid"}"""),
        ]);

        var outcomes = await set.EvaluateAsync("Paris", null, null);

        Assert.Equal(["contains", "thrower", "slow", "json_valid"], outcomes.Select(o => o.Name));
        Assert.Equal(1, outcomes[0].Score);
        Assert.Equal(EvaluatorOutcome.Failure("thrower", "custom", "the evaluator threw InvalidOperationException: boom"), outcomes[1]);
        // A cancellation the caller did not ask for (a client time-out) is that evaluator's error, not the caller's.
        Assert.Contains("HTTP timeout", outcomes[2].Error);
        Assert.False(outcomes[3].Passed);
    }

    [Fact]
    public async Task Foreign_metrics_map_to_scores_pass_fail_and_errors()
    {
        NumericMetric Rating(double value) => new("rating", value, "rated");
        BooleanMetric Boolean(bool value) => new("grounded", value, "checked");
        var set = new EvaluatorSet([
            new RegisteredEvaluator(new ForeignEvaluator("rating", (_, _) => Rating(4)), "rating-1-5", (1, 5)),
            new RegisteredEvaluator(new ForeignEvaluator("grounded", (_, _) => Boolean(false)), "grounded"),
            new RegisteredEvaluator(new ForeignEvaluator("raw", (_, _) => new NumericMetric("raw", 4)), "raw"),
            new RegisteredEvaluator(new ForeignEvaluator("tone", (_, _) => new StringMetric("tone", "warm")), "tone"),
            new RegisteredEvaluator(new ForeignEvaluator("wrong-name", (_, _) => new NumericMetric("other", 1)), "misnamed"),
            new RegisteredEvaluator(new ForeignEvaluator("diagnosed", (_, _) =>
            {
                var metric = new NumericMetric("diagnosed", 1);
                metric.AddDiagnostics(EvaluationDiagnostic.Error("model overloaded"));
                return metric;
            }), "diagnosed"),
            new RegisteredEvaluator(new ForeignEvaluator("interpreted", (_, _) =>
                new NumericMetric("interpreted", 0.4) { Interpretation = new EvaluationMetricInterpretation(EvaluationRating.Poor, failed: true, "too low") }), "interpreted"),
        ]);

        var outcomes = (await set.EvaluateAsync("out", null, null)).ToDictionary(o => o.Name);

        Assert.Equal(new EvaluatorOutcome("rating", "rating-1-5", 0.75, null, "rated"), outcomes["rating"]);
        Assert.Equal(new EvaluatorOutcome("grounded", "grounded", 0, false, "checked"), outcomes["grounded"]);
        Assert.Contains("outside [0, 1]", outcomes["raw"].Error);
        Assert.Contains("no numeric or boolean value", outcomes["tone"].Error);
        Assert.Contains("returned no metric 'wrong-name'", outcomes["wrong-name"].Error);
        Assert.Equal("model overloaded", outcomes["diagnosed"].Error);
        Assert.Equal(new EvaluatorOutcome("interpreted", "interpreted", 0.4, false, "too low"), outcomes["interpreted"]);
    }

    [Fact]
    public async Task Foreign_evaluators_see_the_expected_value_as_text()
    {
        string? seen = null;
        var set = new EvaluatorSet([new RegisteredEvaluator(new ForeignEvaluator("peek", (_, expected) =>
        {
            seen = expected;
            return new BooleanMetric("peek", true);
        }), "peek")]);

        await set.EvaluateAsync("out", null, JsonNode.Parse("""{"city":"Z\u00FCrich","n":[1,2.5]}"""));
        Assert.Equal("""{"city":"Zürich","n":[1,2.5]}""", seen);
        await set.EvaluateAsync("out", null, JsonValue.Create("plain text"));
        Assert.Equal("plain text", seen);
    }

    [Fact]
    public async Task Built_in_evaluators_speak_the_standard_metric_contract()
    {
        // Used the way any Microsoft.Extensions.AI.Evaluation caller would, without EvaluatorSet.
        IEvaluator composite = new CompositeEvaluator(
            EvaluatorSpecParser.ParseOne(JsonNode.Parse("""{"type":"exact_match","name":"exact"}""")).CreateEvaluator(),
            EvaluatorSpecParser.ParseOne(JsonNode.Parse("""{"type":"levenshtein","name":"close"}""")).CreateEvaluator());

        var result = await composite.EvaluateAsync("Pariss", additionalContext: [new PromptFunctions.Evaluation.Evaluators.ExpectedOutputContext(JsonValue.Create("Paris"))]);

        var exact = result.Get<NumericMetric>("exact");
        Assert.Equal(0, exact.Value);
        Assert.True(exact.Interpretation!.Failed);
        Assert.Equal("exact_match", exact.Metadata!["evaluator_type"]);
        var close = result.Get<NumericMetric>("close");
        Assert.Equal(5.0 / 6, close.Value!.Value, 12);
        Assert.False(close.Interpretation!.Failed);
        Assert.Equal(["exact", "close"], composite.EvaluationMetricNames);
    }

    [Fact]
    public void Metric_names_must_be_unique_across_the_set()
    {
        Assert.Throws<ArgumentException>(() => new EvaluatorSet([Spec("""{"type":"json_valid"}"""), Spec("""{"type":"json_valid"}""")]));
        Assert.Throws<ArgumentException>(() => new EvaluatorSet([new RegisteredEvaluator(new ForeignEvaluator("a", (_, _) => new BooleanMetric("a")), "a", (5, 1))]));
    }
}
