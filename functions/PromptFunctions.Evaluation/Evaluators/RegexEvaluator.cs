using System.Globalization;
using System.Text.RegularExpressions;
using PromptFunctions.Evaluation.Specs;
using PromptFunctions.Evaluation.Text;

namespace PromptFunctions.Evaluation.Evaluators;

/// <summary>
/// The output matches a .NET regular expression (anywhere, or the whole output with full_match). A pattern that does
/// not finish within its timeout is an evaluator error, not a failed output; after <see cref="TimeoutBreaker.MaxTimeouts"/>
/// such errors the evaluator stops running the pattern for the rest of its run (see <see cref="TimeoutBreaker"/>).
/// </summary>
public sealed class RegexEvaluator(RegexSpec spec) : LocalOutputEvaluator(spec.Name, EvaluatorTypes.Regex)
{
    private readonly TimeoutBreaker _timeouts = new();

    public RegexSpec Spec { get; } = spec;

    protected override EvaluatorScore Score(EvaluationSample sample)
    {
        if (_timeouts.IsOpen) throw _timeouts.Refusal("the pattern");
        Match match;
        try
        {
            match = Spec.Regex.Match(sample.Output);
        }
        catch (RegexMatchTimeoutException e)
        {
            _timeouts.Record();
            throw new EvaluationFailedException(
                $"the pattern did not finish within {Spec.Timeout.TotalMilliseconds.ToString(CultureInfo.InvariantCulture)} ms on this output (a pattern with nested repetition can backtrack exponentially)", e);
        }
        var where = match.Success ? $"{TextDifference.Quote(match.Value)} at character {match.Index.ToString(CultureInfo.InvariantCulture)}" : "";
        if (Spec.Negate)
            return match.Success ? EvaluatorScore.Fail($"the pattern, which must not match, matched {where}") : EvaluatorScore.Pass("the pattern does not match, as required");
        return match.Success
            ? EvaluatorScore.Pass(Spec.FullMatch ? "the whole output matches the pattern" : $"the pattern matched {where}")
            : EvaluatorScore.Fail(Spec.FullMatch ? "the whole output does not match the pattern" : "the pattern does not match the output");
    }
}
