using System.Globalization;
using PromptFunctions.Evaluation.Specs;
using PromptFunctions.Evaluation.Text;
using Quickenshtein;

namespace PromptFunctions.Evaluation.Evaluators;

/// <summary>
/// Normalized edit similarity, 1 - distance / max(length), over code points after the text options; two empty texts
/// are identical (1). Passes at or above the threshold. A non-string expected compares as its compact JSON text.
/// </summary>
public sealed class LevenshteinEvaluator(LevenshteinSpec spec) : LocalOutputEvaluator(spec.Name, EvaluatorTypes.Levenshtein)
{
    public LevenshteinSpec Spec { get; } = spec;

    public static double Similarity(string a, string b, out int distance, out int length)
    {
        length = Math.Max(CodePoints.Count(a), CodePoints.Count(b));
        var (left, right) = CodePoints.ToSingleUnits(a, b);
        distance = Levenshtein.GetDistance(left, right);
        return length == 0 ? 1 : 1 - (double)distance / length;
    }

    protected override EvaluatorScore Score(EvaluationSample sample)
    {
        var expected = Spec.Value ?? JsonText.ToText(sample.RequireExpected("value"))!;
        var similarity = Similarity(Spec.Text.Apply(sample.Output), Spec.Text.Apply(expected), out var distance, out var length);
        var explanation = $"similarity {similarity.ToString("0.####", CultureInfo.InvariantCulture)} (edit distance {distance.ToString(CultureInfo.InvariantCulture)} over {length.ToString(CultureInfo.InvariantCulture)} characters), threshold {TextDifference.Number(Spec.Threshold)}";
        return new EvaluatorScore(similarity, similarity >= Spec.Threshold, explanation);
    }
}
