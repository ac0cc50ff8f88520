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
    /// <summary>
    /// The most cells (length of one text times length of the other) one comparison may fill. Edit distance takes
    /// time proportional to that product, so two 100,000-character outputs would cost 10 billion steps; this bound
    /// (for example 10,000 × 10,000) keeps one comparison in the tens of milliseconds.
    /// </summary>
    public const long MaxCells = 100_000_000;

    public LevenshteinSpec Spec { get; } = spec;

    /// <exception cref="EvaluationFailedException">The texts are too long to compare (<see cref="MaxCells"/>).</exception>
    public static double Similarity(string a, string b, out int distance, out int length)
    {
        var (left, right) = CodePoints.ToSingleUnits(a, b);
        if ((long)left.Length * right.Length > MaxCells)
        {
            throw new EvaluationFailedException(string.Create(CultureInfo.InvariantCulture,
                $"the texts are {left.Length:N0} and {right.Length:N0} characters long; edit distance takes time proportional to their product, which is limited to {MaxCells:N0} (for example 10,000 × 10,000 characters)"));
        }
        length = Math.Max(left.Length, right.Length);
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
