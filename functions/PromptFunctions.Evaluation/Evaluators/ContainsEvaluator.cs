using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using PromptFunctions.Evaluation.Specs;
using PromptFunctions.Evaluation.Text;

namespace PromptFunctions.Evaluation.Evaluators;

/// <summary>
/// Substring checks. Values come from the spec or else from the expected value: a string (or number or boolean, as
/// its JSON text) is one value, an array of those is a list (only for contains_any and contains_all). contains_all
/// scores the fraction of values found and passes when all are; the others score 1 or 0.
/// </summary>
public sealed class ContainsEvaluator(ContainsSpec spec) : LocalOutputEvaluator(spec.Name, spec.Type)
{
    private const int MaxListed = 5;

    public ContainsSpec Spec { get; } = spec;

    protected override EvaluatorScore Score(EvaluationSample sample)
    {
        var values = Spec.Values ?? ValuesFromExpected(sample.RequireExpected(Spec.Mode == ContainsMode.One ? "value" : "values"));
        var output = Spec.Text.Apply(sample.Output);
        var found = new List<string>();
        var missing = new List<string>();
        foreach (var value in values)
        {
            var needle = Spec.Text.Apply(value);
            if (needle.Length == 0)
                throw new EvaluationFailedException($"the value {TextDifference.Quote(value)} is empty after text normalization and would match any output");
            (output.Contains(needle, StringComparison.Ordinal) ? found : missing).Add(value);
        }

        switch (Spec.Mode)
        {
            case ContainsMode.One:
                var contains = found.Count == 1;
                var text = TextDifference.Quote(values[0]);
                return Spec.Negate
                    ? EvaluatorScore.Of(!contains, contains ? $"the output contains {text}, which it must not" : $"the output does not contain {text}")
                    : EvaluatorScore.Of(contains, contains ? $"the output contains {text}" : $"the output does not contain {text}");
            case ContainsMode.Any:
                return found.Count > 0
                    ? EvaluatorScore.Pass($"the output contains {List(found)}")
                    : EvaluatorScore.Fail($"the output contains none of {List(values)}");
            default:
                var fraction = (double)found.Count / values.Count;
                return new EvaluatorScore(fraction, missing.Count == 0, missing.Count == 0
                    ? $"the output contains all {values.Count.ToString(CultureInfo.InvariantCulture)} values"
                    : $"the output contains {found.Count.ToString(CultureInfo.InvariantCulture)} of {values.Count.ToString(CultureInfo.InvariantCulture)} values; missing {List(missing)}");
        }
    }

    private IReadOnlyList<string> ValuesFromExpected(JsonNode expected)
    {
        if (expected is JsonArray array)
        {
            if (Spec.Mode == ContainsMode.One)
                throw new EvaluationFailedException("the expected value is an array; use contains_any or contains_all for a list of values");
            if (array.Count == 0) throw new EvaluationFailedException("the expected value is an empty array");
            var values = new List<string>(array.Count);
            foreach (var item in array) values.Add(Scalar(item, "an element of the expected array"));
            return values;
        }
        return [Scalar(expected, "the expected value")];
    }

    private static string Scalar(JsonNode? node, string what)
    {
        if (node is JsonValue value && value.GetValueKind() is JsonValueKind.String or JsonValueKind.Number or JsonValueKind.True or JsonValueKind.False)
            return JsonText.ToText(value)!;
        throw new EvaluationFailedException($"{what} is {Prompts.Model.ValidatingJsonReader.Describe(node)}; contains checks need strings, numbers or booleans");
    }

    private static string List(IReadOnlyList<string> values)
    {
        var shown = string.Join(", ", values.Take(MaxListed).Select(v => TextDifference.Quote(v)));
        return values.Count > MaxListed ? $"{shown} and {(values.Count - MaxListed).ToString(CultureInfo.InvariantCulture)} more" : shown;
    }
}
