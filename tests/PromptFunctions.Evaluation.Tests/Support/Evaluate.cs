using System.Text.Json.Nodes;
using Microsoft.Extensions.AI;
using PromptFunctions.Evaluation.Specs;

namespace PromptFunctions.Evaluation.Tests.Support;

/// <summary>Runs one evaluator spec through the same path the engine uses: spec JSON, parser, EvaluatorSet.</summary>
public static class Evaluate
{
    public static EvaluatorOutcome One(string specJson, string output, string? expectedJson = null, string? inputJson = null, IChatClient? judge = null)
    {
        var spec = EvaluatorSpecParser.ParseOne(JsonNode.Parse(specJson));
        var set = EvaluatorSet.Create([spec], judge);
        var outcomes = set.EvaluateAsync(output, Parse(inputJson), Parse(expectedJson)).GetAwaiter().GetResult();
        return Assert.Single(outcomes);
    }

    private static JsonNode? Parse(string? json) => json is null ? null : JsonNode.Parse(json);

    public static void Passed(EvaluatorOutcome outcome, double score = 1)
    {
        Assert.Null(outcome.Error);
        Assert.True(outcome.Passed, outcome.Explanation);
        Assert.Equal(score, outcome.Score!.Value, 9);
    }

    public static void Failed(EvaluatorOutcome outcome, double score = 0)
    {
        Assert.Null(outcome.Error);
        Assert.False(outcome.Passed, outcome.Explanation);
        Assert.Equal(score, outcome.Score!.Value, 9);
    }

    public static void Errored(EvaluatorOutcome outcome, string fragment)
    {
        Assert.NotNull(outcome.Error);
        Assert.Null(outcome.Score);
        Assert.Null(outcome.Passed);
        Assert.Contains(fragment, outcome.Error, StringComparison.Ordinal);
    }
}
