using PromptFunctions.Evaluation.Tests.Support;

namespace PromptFunctions.Evaluation.Tests.Evaluators;

public sealed class TextEvaluatorTests
{
    [Theory]
    [InlineData("""{"type":"exact_match"}""", "Paris", "\"Paris\"")]
    [InlineData("""{"type":"exact_match"}""", "  Paris\n", "\"Paris\"")]
    [InlineData("""{"type":"exact_match"}""", "", "\"\"")]
    [InlineData("""{"type":"exact_match","case_sensitive":false}""", "PARIS", "\"paris\"")]
    [InlineData("""{"type":"exact_match","case_sensitive":false}""", "\u00C9COLE", "\"\u00E9cole\"")]
    [InlineData("""{"type":"exact_match","case_sensitive":false}""", "\u212A", "\"k\"")]
    [InlineData("""{"type":"exact_match","case_sensitive":false}""", "\u03A3\u038A\u03A3\u03A5\u03A6\u039F\u03A3", "\"\u03C3\u03AF\u03C3\u03C5\u03C6\u03BF\u03C2\"")]
    [InlineData("""{"type":"exact_match","normalization":"nfc"}""", "e\u0301cole", "\"\u00E9cole\"")]
    [InlineData("""{"type":"exact_match","normalization":"nfkc"}""", "\uFF21\uFF22\uFF23 \uFB01", "\"ABC fi\"")]
    [InlineData("""{"type":"exact_match","collapse_whitespace":true}""", "a  b\n\t c", "\"a b c\"")]
    [InlineData("""{"type":"exact_match","strip_punctuation":true}""", "Hello, world!", "\"Hello world\"")]
    [InlineData("""{"type":"exact_match","strip_punctuation":true,"collapse_whitespace":true,"case_sensitive":false}""", "\u00ABOui\u00A0!\u00BB", "\"oui\"")]
    [InlineData("""{"type":"exact_match","value":"yes"}""", "yes", "\"no\"")]
    [InlineData("""{"type":"exact_match","value":"yes"}""", "yes", null)]
    public void Exact_match_passes(string spec, string output, string? expected) =>
        Evaluate.Passed(Evaluate.One(spec, output, expected));

    [Theory]
    [InlineData("""{"type":"exact_match"}""", "paris", "\"Paris\"")]
    [InlineData("""{"type":"exact_match","trim":false}""", " Paris", "\"Paris\"")]
    [InlineData("""{"type":"exact_match"}""", "", "\"Paris\"")]
    [InlineData("""{"type":"exact_match"}""", "e\u0301cole", "\"\u00E9cole\"")]
    [InlineData("""{"type":"exact_match","normalization":"nfc"}""", "\uFF21\uFF22\uFF23", "\"ABC\"")]
    [InlineData("""{"type":"exact_match"}""", "Hello, world!", "\"Hello world\"")]
    [InlineData("""{"type":"exact_match","case_sensitive":false}""", "stra\u00DFe", "\"STRASSE\"")]
    public void Exact_match_fails(string spec, string output, string expected) =>
        Evaluate.Failed(Evaluate.One(spec, output, expected));

    [Fact]
    public void Exact_match_explains_where_the_texts_differ()
    {
        var outcome = Evaluate.One("""{"type":"exact_match"}""", "The answer is 41.", "\"The answer is 42.\"");
        Assert.Contains("character 15", outcome.Explanation);
        Assert.Contains("\"2.\"", outcome.Explanation);
        Assert.Contains("\"1.\"", outcome.Explanation);
    }

    [Theory]
    [InlineData("42", "42", true)]
    [InlineData("42", " 42.0\n", true)]
    [InlineData("42", "4.2e1", true)]
    [InlineData("42", "forty-two", false)]
    [InlineData("42", "\"42\"", false)]
    [InlineData("true", "true", true)]
    [InlineData("true", "True", false)]
    [InlineData("""{"a":1,"b":[true,null]}""", """{"b":[true,null],"a":1.0}""", true)]
    [InlineData("""{"a":1,"b":[true,null]}""", """{"a":1,"b":[null,true]}""", false)]
    [InlineData("""["caf\u00e9"]""", """["café"]""", true)]
    [InlineData("""[1,2]""", "", false)]
    public void A_non_string_expected_compares_as_json(string expected, string output, bool passes)
    {
        var outcome = Evaluate.One("""{"type":"exact_match"}""", output, expected);
        if (passes) Evaluate.Passed(outcome);
        else Evaluate.Failed(outcome);
    }

    [Theory]
    [InlineData("""{"type":"exact_match"}""", "value")]
    [InlineData("""{"type":"contains"}""", "value")]
    [InlineData("""{"type":"contains_all"}""", "values")]
    [InlineData("""{"type":"levenshtein"}""", "value")]
    [InlineData("""{"type":"numeric"}""", "value")]
    public void Evaluators_that_compare_with_expected_report_an_error_when_there_is_none(string spec, string option)
    {
        var outcome = Evaluate.One(spec, "anything", expectedJson: null);
        Evaluate.Errored(outcome, "no expected value");
        Assert.Contains($"'{option}'", outcome.Error);
        // JSON null in the dataset means the same as no expected value.
        Evaluate.Errored(Evaluate.One(spec, "anything", "null"), "no expected value");
    }

    [Theory]
    [InlineData("""{"type":"contains","value":"Paris"}""", "The capital is Paris.", null)]
    [InlineData("""{"type":"contains"}""", "The capital is Paris.", "\"Paris\"")]
    [InlineData("""{"type":"contains"}""", "The answer: 42", "42")]
    [InlineData("""{"type":"contains","value":"paris","case_sensitive":false}""", "PARIS!", null)]
    [InlineData("""{"type":"contains","value":"caf\u00E9","normalization":"nfc"}""", "un cafe\u0301 noir", null)]
    [InlineData("""{"type":"contains","value":"\uD83D\uDE00"}""", "smile \uD83D\uDE00!", null)]
    [InlineData("""{"type":"contains","value":"As an AI","negate":true}""", "Here is the answer.", null)]
    [InlineData("""{"type":"contains_any","values":["cat","dog"]}""", "a dog barked", null)]
    [InlineData("""{"type":"contains_any"}""", "a dog barked", """["cat","dog"]""")]
    [InlineData("""{"type":"contains_any"}""", "a dog barked", "\"dog\"")]
    [InlineData("""{"type":"contains_all","values":["red","green"],"case_sensitive":false}""", "Green and RED", null)]
    [InlineData("""{"type":"contains_all"}""", "x is 1, flag true", """["x", 1, true]""")]
    public void Contains_passes(string spec, string output, string? expected) =>
        Evaluate.Passed(Evaluate.One(spec, output, expected));

    [Theory]
    [InlineData("""{"type":"contains","value":"Paris"}""", "The capital is paris.", 0)]
    [InlineData("""{"type":"contains","value":"Paris"}""", "", 0)]
    [InlineData("""{"type":"contains","value":"caf\u00E9"}""", "un cafe\u0301 noir", 0)]
    [InlineData("""{"type":"contains","value":"As an AI","negate":true}""", "As an AI, I cannot.", 0)]
    [InlineData("""{"type":"contains_any","values":["cat","dog"]}""", "a bird sang", 0)]
    [InlineData("""{"type":"contains_all","values":["a1","b2","c3","d4"]}""", "a1 and b2", 0.5)]
    [InlineData("""{"type":"contains_all","values":["a1","b2","c3"]}""", "", 0)]
    public void Contains_fails(string spec, string output, double score) =>
        Evaluate.Failed(Evaluate.One(spec, output, null), score);

    [Fact]
    public void Contains_all_names_the_missing_values()
    {
        var outcome = Evaluate.One("""{"type":"contains_all","values":["alpha","beta","gamma"]}""", "alpha only");
        Assert.Contains("1 of 3", outcome.Explanation);
        Assert.Contains("\"beta\"", outcome.Explanation);
        Assert.Contains("\"gamma\"", outcome.Explanation);
    }

    [Theory]
    [InlineData("""{"type":"contains"}""", """["a","b"]""", "use contains_any or contains_all")]
    [InlineData("""{"type":"contains_any"}""", """{"a":1}""", "an object")]
    [InlineData("""{"type":"contains_all"}""", """["a",{"b":1}]""", "an element of the expected array is an object")]
    [InlineData("""{"type":"contains_all"}""", "[]", "empty array")]
    [InlineData("""{"type":"contains"}""", "\"\"", "empty after text normalization")]
    public void Contains_reports_unusable_expected_values_as_errors(string spec, string expected, string fragment) =>
        Evaluate.Errored(Evaluate.One(spec, "output", expected), fragment);

    [Fact]
    public void A_value_emptied_by_normalization_is_an_error_rather_than_a_match_everywhere() =>
        Evaluate.Errored(Evaluate.One("""{"type":"contains","value":"!?","strip_punctuation":true}""", "anything"), "empty after text normalization");

    [Theory]
    [InlineData("kitten", "sitting", 0.8, 4.0 / 7, false)]
    [InlineData("kitten", "sitting", 0.5, 4.0 / 7, true)]
    [InlineData("same", "same", 0.8, 1, true)]
    [InlineData("", "", 0.8, 1, true)]
    [InlineData("", "abc", 0.8, 0, false)]
    [InlineData("  hello ", "hello", 1, 1, true)]
    // One emoji swapped for another is one edit over six code points, not two over eight UTF-16 units.
    [InlineData("I \u2764\uFE0F \uD83D\uDE00", "I \u2764\uFE0F \uD83D\uDE03", 0.8, 5.0 / 6, true)]
    [InlineData("\uD83D\uDE00\uD83D\uDE00", "\uD83D\uDE00", 0.5, 0.5, true)]
    public void Levenshtein_scores_normalized_similarity(string output, string expected, double threshold, double score, bool passes)
    {
        var outcome = Evaluate.One($$"""{"type":"levenshtein","threshold":{{threshold}}}""", output, System.Text.Json.JsonSerializer.Serialize(expected));
        if (passes) Evaluate.Passed(outcome, score);
        else Evaluate.Failed(outcome, score);
    }

    [Fact]
    public void Levenshtein_applies_text_options_and_compares_non_strings_as_json_text()
    {
        Evaluate.Passed(Evaluate.One("""{"type":"levenshtein","case_sensitive":false,"threshold":1}""", "HELLO", "\"hello\""));
        Evaluate.Passed(Evaluate.One("""{"type":"levenshtein","threshold":0.8}""", "12346", "12345"), 0.8);
        var outcome = Evaluate.One("""{"type":"levenshtein","value":"kitten"}""", "sitting", "\"ignored\"");
        Assert.Contains("edit distance 3 over 7 characters", outcome.Explanation);
    }
}
