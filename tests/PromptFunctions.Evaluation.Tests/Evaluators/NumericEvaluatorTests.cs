using PromptFunctions.Evaluation.Specs;
using PromptFunctions.Evaluation.Evaluators;
using PromptFunctions.Evaluation.Tests.Support;

namespace PromptFunctions.Evaluation.Tests.Evaluators;

public sealed class NumericEvaluatorTests
{
    [Theory]
    [InlineData("42", NumberExtraction.Strict, 42.0)]
    [InlineData("  -42.5\n", NumberExtraction.Strict, -42.5)]
    [InlineData("+7", NumberExtraction.Strict, 7.0)]
    [InlineData("\u22123", NumberExtraction.Strict, -3.0)]
    [InlineData("1,234,567.25", NumberExtraction.Strict, 1234567.25)]
    [InlineData("1e3", NumberExtraction.Strict, 1000.0)]
    [InlineData(".5", NumberExtraction.Strict, 0.5)]
    [InlineData("The answer is 42.", NumberExtraction.First, 42.0)]
    [InlineData("Step 1: 3 apples; step 2: 7 more. Answer: 10", NumberExtraction.First, 1.0)]
    [InlineData("Step 1: 3 apples; step 2: 7 more. Answer: 10", NumberExtraction.Last, 10.0)]
    [InlineData("version v2.5 has 3 bugs", NumberExtraction.First, 3.0)]
    [InlineData("costs $1,200 in total", NumberExtraction.First, 1200.0)]
    [InlineData("\u0664\u0662 or 42", NumberExtraction.First, 42.0)]
    public void Reads_numbers(string text, NumberExtraction extraction, double expected) =>
        Assert.Equal(expected, NumericEvaluator.ReadNumber(text, extraction));

    [Theory]
    [InlineData("", NumberExtraction.Strict)]
    [InlineData("", NumberExtraction.First)]
    [InlineData("The answer is 42", NumberExtraction.Strict)]
    [InlineData("42.", NumberExtraction.Strict)]
    [InlineData("NaN", NumberExtraction.First)]
    [InlineData("Infinity", NumberExtraction.First)]
    [InlineData("1e999", NumberExtraction.Strict)]
    [InlineData("forty-two", NumberExtraction.Last)]
    [InlineData("1.2.3", NumberExtraction.First)]
    [InlineData("3,5", NumberExtraction.First)]
    [InlineData("\u0664\u0662", NumberExtraction.Strict)]
    public void Finds_no_number_where_there_is_none_to_trust(string text, NumberExtraction extraction) =>
        Assert.Null(NumericEvaluator.ReadNumber(text, extraction));

    [Theory]
    [InlineData("""{"type":"numeric"}""", "42", "42", true)]
    [InlineData("""{"type":"numeric"}""", "42", "\"42\"", true)]
    [InlineData("""{"type":"numeric"}""", "42.0000001", "42", false)]
    [InlineData("""{"type":"numeric","abs_tolerance":0.01}""", "3.14159", "3.14", true)]
    [InlineData("""{"type":"numeric","abs_tolerance":0.01}""", "3.12", "3.14", false)]
    [InlineData("""{"type":"numeric","rel_tolerance":0.1}""", "109.9", "100", true)]
    [InlineData("""{"type":"numeric","rel_tolerance":0.1}""", "111", "100", false)]
    [InlineData("""{"type":"numeric","rel_tolerance":0.1,"abs_tolerance":0.5}""", "0.4", "0", true)]
    [InlineData("""{"type":"numeric","extract":"last"}""", "so the total is 10", "10", true)]
    [InlineData("""{"type":"numeric"}""", "so the total is 10", "10", false)]
    [InlineData("""{"type":"numeric","value":7}""", "7", "\"ignored\"", true)]
    [InlineData("""{"type":"numeric"}""", "", "0", false)]
    public void Numeric_compares_within_tolerance(string spec, string output, string expected, bool passes)
    {
        var outcome = Evaluate.One(spec, output, expected);
        if (passes) Evaluate.Passed(outcome);
        else Evaluate.Failed(outcome);
    }

    [Fact]
    public void A_failed_parse_says_how_to_read_numbers_out_of_text()
    {
        var outcome = Evaluate.One("""{"type":"numeric"}""", "about forty", "40");
        Evaluate.Failed(outcome);
        Assert.Contains("not a number", outcome.Explanation);
        Assert.Contains("'last'", outcome.Explanation);
    }

    [Theory]
    [InlineData("\"forty\"")]
    [InlineData("""{"n":1}""")]
    [InlineData("[1]")]
    [InlineData("true")]
    public void An_expected_value_that_is_not_a_number_is_an_evaluator_error(string expected) =>
        Evaluate.Errored(Evaluate.One("""{"type":"numeric"}""", "1", expected), "is not a number");
}
