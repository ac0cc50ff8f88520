using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using PromptFunctions.Evaluation.Specs;
using PromptFunctions.Evaluation.Text;

namespace PromptFunctions.Evaluation.Evaluators;

/// <summary>
/// A number read from the output is within tolerance of the expected number: |actual - expected| &lt;=
/// max(abs_tolerance, rel_tolerance * |expected|). Numbers are decimal (optional sign, comma thousands groups of three,
/// fraction, exponent); an output without a readable number fails, a dataset without a usable expected number is an
/// evaluator error.
/// </summary>
public sealed partial class NumericEvaluator(NumericSpec spec) : LocalOutputEvaluator(spec.Name, EvaluatorTypes.Numeric)
{
    public NumericSpec Spec { get; } = spec;

    // ASCII digits only: double.Parse with the invariant culture reads nothing else. The look-behind keeps "v2.5" or
    // "1.2.3" from yielding a number that starts mid-token.
    [GeneratedRegex(@"(?<![0-9A-Za-z.,])[-+\u2212]?(?:(?:[0-9]{1,3}(?:,[0-9]{3})+|[0-9]+)(?:\.[0-9]+)?|\.[0-9]+)(?:[eE][-+]?[0-9]+)?(?![0-9]|[.,][0-9])", RegexOptions.CultureInvariant)]
    private static partial Regex NumberPattern();

    /// <summary>Reads a number from <paramref name="text"/> the way <paramref name="extraction"/> says; null when there is none.</summary>
    public static double? ReadNumber(string text, NumberExtraction extraction)
    {
        if (extraction == NumberExtraction.Strict)
        {
            var trimmed = text.Trim();
            var match = NumberPattern().Match(trimmed);
            return match.Success && match.Index == 0 && match.Length == trimmed.Length ? Parse(match.Value) : null;
        }
        var matches = NumberPattern().Matches(text);
        if (matches.Count == 0) return null;
        return Parse(matches[extraction == NumberExtraction.First ? 0 : matches.Count - 1].Value);
    }

    private static double? Parse(string token)
    {
        var value = double.Parse(token.Replace(",", "", StringComparison.Ordinal).Replace('\u2212', '-'), NumberStyles.Float, CultureInfo.InvariantCulture);
        return double.IsFinite(value) ? value : null;
    }

    protected override EvaluatorScore Score(EvaluationSample sample)
    {
        var expected = Spec.Value ?? ExpectedNumber(sample.RequireExpected("value"));
        if (ReadNumber(sample.Output, Spec.Extract) is not { } actual)
        {
            return EvaluatorScore.Fail(Spec.Extract == NumberExtraction.Strict
                ? $"the output {TextDifference.Quote(sample.Output.Trim())} is not a number (extract 'first' or 'last' reads a number out of text)"
                : $"the output {TextDifference.Quote(sample.Output.Trim())} contains no finite number");
        }
        var difference = Math.Abs(actual - expected);
        var tolerance = Math.Max(Spec.AbsoluteTolerance, Spec.RelativeTolerance * Math.Abs(expected));
        var explanation = $"got {TextDifference.Number(actual)}, expected {TextDifference.Number(expected)} (difference {TextDifference.Number(difference)}, tolerance {TextDifference.Number(tolerance)})";
        return EvaluatorScore.Of(difference <= tolerance, explanation);
    }

    private static double ExpectedNumber(JsonNode expected)
    {
        if (expected is JsonValue value && value.GetValueKind() == JsonValueKind.Number)
        {
            double number;
            try
            {
                number = Prompts.Json.CanonicalJson.ReadDouble(value);
            }
            catch (FormatException)
            {
                number = double.NaN; // beyond the range of a double
            }
            if (double.IsFinite(number)) return number;
        }
        if (JsonText.IsString(expected) && ReadNumber(expected.GetValue<string>(), NumberExtraction.Strict) is { } parsed) return parsed;
        throw new EvaluationFailedException($"the expected value {TextDifference.Quote(JsonText.ToText(expected)!)} is not a number");
    }
}
