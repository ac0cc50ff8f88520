using System.Text.Json.Nodes;
using PromptFunctions.Evaluation.Evaluators;
using PromptFunctions.Evaluation.Specs;
using PromptFunctions.Evaluation.Statistics;
using PromptFunctions.Evaluation.Tests.Support;
using static PromptFunctions.Evaluation.Tests.Statistics.Rows;

namespace PromptFunctions.Evaluation.Tests.Evaluators;

/// <summary>
/// Issue 13, family 6: no evaluator and no comparison can spend unbounded time on what a model or a caller sends.
/// The assertions are on outcomes (errors, counts), never on elapsed time.
/// </summary>
public sealed class BoundedWorkTests
{
    // Nested repetition: on "aaa...ab" every way of splitting the a's is tried before failing, 2^n of them.
    private const string Catastrophic = "^(a+)+$";
    private static readonly string Evil = new string('a', 40) + "b";

    private static EvaluatorSet Set(string specJson) => EvaluatorSet.Create([EvaluatorSpecParser.ParseOne(JsonNode.Parse(specJson))]);

    private static EvaluatorOutcome Run(EvaluatorSet set, string output) =>
        Assert.Single(set.EvaluateAsync(output, null, null).GetAwaiter().GetResult());

    [Theory]
    [InlineData("")]
    [InlineData("\"$schema\": \"http://json-schema.org/draft-06/schema#\",")]
    [InlineData("\"$schema\": \"http://json-schema.org/draft-07/schema#\",")]
    [InlineData("\"$schema\": \"https://json-schema.org/draft/2019-09/schema\",")]
    [InlineData("\"$schema\": \"https://json-schema.org/draft/2020-12/schema\",")]
    [InlineData("\"$schema\": \"https://json-schema.org/v1\",")]
    public void A_schema_pattern_that_backtracks_is_an_evaluator_error_in_every_dialect(string dialect)
    {
        var outcome = Evaluate.One("""{"type":"json_schema","schema":{DIALECT "type":"string","pattern":"PATTERN"}}""".Replace("DIALECT", dialect).Replace("PATTERN", Catastrophic), $"\"{Evil}\"");

        Evaluate.Errored(outcome, "a 'pattern' of the schema did not finish within 200 ms per match and 1000 ms per output");
    }

    [Fact]
    public void Pattern_properties_and_nested_dialects_are_bounded_too()
    {
        Evaluate.Errored(
            Evaluate.One("""{"type":"json_schema","schema":{"type":"object","patternProperties":{"PATTERN":{}}}}""".Replace("PATTERN", Catastrophic), $$"""{"{{Evil}}":1}"""),
            "did not finish");
        // A subschema that names another dialect switches to that dialect's keywords, which are bounded as well.
        Evaluate.Errored(
            Evaluate.One($$$"""{"type":"json_schema","schema":{"$defs":{"s":{"$id":"https://example.test/s","$schema":"http://json-schema.org/draft-07/schema#","pattern":"{{{Catastrophic}}}"}},"$ref":"https://example.test/s"}}""", $"\"{Evil}\""),
            "did not finish");
    }

    [Fact]
    public void Schema_patterns_still_match_as_ecmascript_patterns()
    {
        Evaluate.Passed(Evaluate.One("""{"type":"json_schema","schema":{"type":"string","pattern":"^\\d{3}-\\d{4}$"}}""", "\"555-1234\""));
        Evaluate.Failed(Evaluate.One("""{"type":"json_schema","schema":{"type":"string","pattern":"^\\d{3}-\\d{4}$"}}""", "\"555-12345\""));
        Evaluate.Passed(Evaluate.One("""{"type":"json_schema","schema":{"type":"object","patternProperties":{"^x-":{"type":"integer"}},"additionalProperties":false}}""", """{"x-a":1}"""));
        Evaluate.Failed(Evaluate.One("""{"type":"json_schema","schema":{"type":"object","patternProperties":{"^x-":{"type":"integer"}},"additionalProperties":false}}""", """{"x-a":"one"}"""));
    }

    [Fact]
    public void A_regex_that_keeps_timing_out_is_no_longer_run_after_three_outputs()
    {
        var set = Set($$"""{"type":"regex","pattern":"{{Catastrophic}}","timeout_ms":20}""");

        for (var i = 0; i < TimeoutBreaker.MaxTimeouts; i++) Evaluate.Errored(Run(set, Evil), "did not finish within 20 ms");
        Evaluate.Errored(Run(set, Evil), "timed out on 3 outputs of this run already, so it is no longer run");
        // Even an output it would match quickly: a pattern that timed out three times is not trusted with more rows.
        Evaluate.Errored(Run(set, "aaa"), "no longer run");
        // Another run (another evaluator instance) starts afresh.
        Evaluate.Passed(Run(Set($$"""{"type":"regex","pattern":"{{Catastrophic}}","timeout_ms":20}"""), "aaa"));
    }

    [Fact]
    public void A_schema_whose_patterns_keep_timing_out_is_no_longer_run_after_three_outputs()
    {
        var set = Set("""{"type":"json_schema","schema":{"type":"array","items":{"pattern":"PATTERN"}}}""".Replace("PATTERN", Catastrophic));
        var output = new JsonArray(Enumerable.Repeat((JsonNode?)null, 50).Select(_ => (JsonNode?)Evil).ToArray()).ToJsonString();

        for (var i = 0; i < TimeoutBreaker.MaxTimeouts; i++) Evaluate.Errored(Run(set, output), "did not finish");
        Evaluate.Errored(Run(set, output), "the schema's patterns timed out on 3 outputs of this run already");
    }

    [Fact]
    public void Levenshtein_refuses_texts_whose_product_of_lengths_is_too_large()
    {
        var longText = new string('x', 20_000);

        Evaluate.Errored(
            Evaluate.One($$"""{"type":"levenshtein","value":"{{new string('y', 20_000)}}"}""", longText),
            "the texts are 20,000 and 20,000 characters long; edit distance takes time proportional to their product, which is limited to 100,000,000");
        // A long output against a short expected value is cheap, and still compared.
        var outcome = Evaluate.One("""{"type":"levenshtein","value":"xxxx","threshold":0}""", longText);
        Assert.Null(outcome.Error);
        Assert.Equal(4.0 / 20_000, outcome.Score!.Value, 9);
    }

    [Fact]
    public void A_comparison_stops_when_its_caller_goes_away()
    {
        var baseline = FromBits(new string('0', 200));
        var candidate = FromBits(new string('1', 200));
        using var gone = new CancellationTokenSource();
        gone.Cancel();

        Assert.ThrowsAny<OperationCanceledException>(() =>
            ExperimentComparison.Compare(baseline, candidate, Options() with { Resamples = ComparisonOptions.MaxResamples }, gone.Token));
        Assert.Single(ExperimentComparison.Compare(baseline, candidate, Options(), CancellationToken.None).Evaluators);
    }

    [Fact]
    public void A_comparison_that_would_draw_too_many_values_is_refused_with_the_largest_resample_count_that_fits()
    {
        // 40,000 examples, 2 evaluators: 200,000 resamples would draw 16 billion values.
        List<ExperimentRow> Make(bool pass) => [.. Enumerable.Range(0, 40_000).Select(i => Row($"e{i}", PassFail("a", pass), PassFail("b", !pass)))];

        var error = Assert.Throws<ComparisonTooLargeException>(() =>
            ExperimentComparison.Compare(Make(true), Make(false), Options() with { Resamples = ComparisonOptions.MaxResamples }));

        Assert.Equal(50_000, error.LargestAllowed);
        Assert.Contains("use at most 50,000 resamples", error.Message);
    }
}
