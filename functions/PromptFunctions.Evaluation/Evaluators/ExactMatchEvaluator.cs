using System.Text.Json;
using System.Text.Json.Nodes;
using PromptFunctions.Evaluation.Specs;
using PromptFunctions.Evaluation.Text;

namespace PromptFunctions.Evaluation.Evaluators;

/// <summary>
/// Output equals the expected value. A string expected compares as text after <see cref="ExactMatchSpec.Text"/>; a
/// number, boolean, object or array expected compares as JSON: the output must parse as JSON and be equal to it
/// (numbers by value, object members in any order), and the text options do not apply.
/// </summary>
public sealed class ExactMatchEvaluator(ExactMatchSpec spec) : LocalOutputEvaluator(spec.Name, EvaluatorTypes.ExactMatch)
{
    public ExactMatchSpec Spec { get; } = spec;

    protected override EvaluatorScore Score(EvaluationSample sample)
    {
        if (Spec.Value is { } value) return CompareText(sample.Output, value);
        var expected = sample.RequireExpected("value");
        return JsonText.IsString(expected) ? CompareText(sample.Output, expected.GetValue<string>()) : CompareJson(sample.Output, expected);
    }

    private EvaluatorScore CompareText(string output, string expected)
    {
        var actual = Spec.Text.Apply(output);
        var wanted = Spec.Text.Apply(expected);
        return string.Equals(actual, wanted, StringComparison.Ordinal)
            ? EvaluatorScore.Pass("the output equals the expected text")
            : EvaluatorScore.Fail($"the output differs from the expected text; {TextDifference.Describe(wanted, actual)}");
    }

    private static EvaluatorScore CompareJson(string output, JsonNode expected)
    {
        var expectedText = JsonText.ToText(expected)!;
        JsonNode? actual;
        try
        {
            actual = JsonNode.Parse(output, documentOptions: JsonText.DocumentOptions);
        }
        catch (JsonException e)
        {
            return EvaluatorScore.Fail($"the expected value is the JSON {TextDifference.Quote(expectedText)}, and the output is not JSON ({e.Message})");
        }
        return JsonNode.DeepEquals(actual, expected)
            ? EvaluatorScore.Pass("the output is JSON equal to the expected value")
            : EvaluatorScore.Fail($"the output is JSON but not equal to the expected value {TextDifference.Quote(expectedText)}");
    }
}
