using System.Diagnostics;
using PromptFunctions.Evaluation.Tests.Support;

namespace PromptFunctions.Evaluation.Tests.Evaluators;

public sealed class PatternAndJsonEvaluatorTests
{
    [Theory]
    [InlineData("""{"type":"regex","pattern":"\\d{3}-\\d{4}"}""", "call 555-1234 now", true)]
    [InlineData("""{"type":"regex","pattern":"\\d{3}-\\d{4}"}""", "no number here", false)]
    [InlineData("""{"type":"regex","pattern":"^$"}""", "", true)]
    [InlineData("""{"type":"regex","pattern":"paris"}""", "PARIS", false)]
    [InlineData("""{"type":"regex","pattern":"paris","case_sensitive":false}""", "PARIS", true)]
    // Anchored as a whole: the first match of a|ab on "ab" is "a", yet the whole text matches.
    [InlineData("""{"type":"regex","pattern":"a|ab","full_match":true}""", "ab", true)]
    [InlineData("""{"type":"regex","pattern":"\\d+","full_match":true}""", "123 apples", false)]
    [InlineData("""{"type":"regex","pattern":"(?i)as an ai","negate":true}""", "As an AI model, I", false)]
    [InlineData("""{"type":"regex","pattern":"(?i)as an ai","negate":true}""", "Sure, here it is.", true)]
    [InlineData("""{"type":"regex","pattern":"^\\p{Lu}\\p{Ll}+$"}""", "\u00C9t\u00E9", true)]
    public void Regex_matches(string spec, string output, bool passes)
    {
        var outcome = Evaluate.One(spec, output);
        if (passes) Evaluate.Passed(outcome);
        else Evaluate.Failed(outcome);
    }

    [Fact]
    public void A_regex_that_backtracks_past_its_timeout_is_an_evaluator_error()
    {
        var watch = Stopwatch.StartNew();
        var outcome = Evaluate.One("""{"type":"regex","pattern":"^(\\w+\\s?)*$","timeout_ms":50}""", new string('a', 40) + "!");
        watch.Stop();

        Evaluate.Errored(outcome, "did not finish within 50 ms");
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(10), $"took {watch.Elapsed}");
    }

    [Theory]
    [InlineData("""{"a":1}""", true)]
    [InlineData("[1, 2]", true)]
    [InlineData("\"just a string\"", true)]
    [InlineData("  null  ", true)]
    [InlineData("""{"a":1,}""", false)]
    [InlineData("""{"a":1} trailing""", false)]
    [InlineData("{'a':1}", false)]
    [InlineData("", false)]
    [InlineData("```json\n{\"a\":1}\n```", false)]
    public void Json_valid_checks_the_whole_output(string output, bool passes)
    {
        var outcome = Evaluate.One("""{"type":"json_valid"}""", output);
        if (passes) Evaluate.Passed(outcome);
        else Evaluate.Failed(outcome);
    }

    [Fact]
    public void Json_valid_can_strip_a_code_fence_and_rejects_excessive_depth()
    {
        Evaluate.Passed(Evaluate.One("""{"type":"json_valid","strip_code_fence":true}""", "```json\n{\"a\":1}\n```\n"));
        Evaluate.Failed(Evaluate.One("""{"type":"json_valid","strip_code_fence":true}""", "```json\n{\"a\":1,}\n```"));
        Evaluate.Failed(Evaluate.One("""{"type":"json_valid"}""", new string('[', 100) + new string(']', 100)));
        Assert.Contains("empty", Evaluate.One("""{"type":"json_valid"}""", "   ").Explanation);
    }

    private const string PersonSchema = """
        {"type":"json_schema","schema":{"type":"object","required":["name"],"properties":{
            "name":{"type":"string"},"age":{"type":"integer","minimum":0},"email":{"type":"string","format":"email"}},
            "additionalProperties":false}}
        """;

    [Theory]
    [InlineData("""{"name":"Ann","age":3}""", true)]
    [InlineData("""{"name":"Z\u00FC","email":"z@example.com"}""", true)]
    [InlineData("""{"age":-1}""", false)]
    [InlineData("""{"name":"Ann","email":"not an email"}""", false)]
    [InlineData("""{"name":"Ann","extra":1}""", false)]
    [InlineData("""[{"name":"Ann"}]""", false)]
    [InlineData("""{"name":""", false)]
    [InlineData("", false)]
    public void Json_schema_validates_the_output(string output, bool passes)
    {
        var outcome = Evaluate.One(PersonSchema, output);
        if (passes) Evaluate.Passed(outcome);
        else Evaluate.Failed(outcome);
    }

    [Fact]
    public void Json_schema_failures_name_the_instance_locations()
    {
        var outcome = Evaluate.One(PersonSchema, """{"age":-1}""");
        Assert.Contains("at the root required", outcome.Explanation);
        Assert.Contains("at '/age' minimum", outcome.Explanation);
    }

    [Fact]
    public void Json_schema_strips_a_fence_when_asked_and_accepts_boolean_schemas()
    {
        Evaluate.Passed(Evaluate.One("""{"type":"json_schema","schema":{"type":"array"},"strip_code_fence":true}""", "```\n[1]\n```"));
        Evaluate.Passed(Evaluate.One("""{"type":"json_schema","schema":true}""", "17"));
        Evaluate.Failed(Evaluate.One("""{"type":"json_schema","schema":false}""", "17"));
    }

    [Fact]
    public void Schemas_with_the_same_id_do_not_clash_and_remote_references_are_never_fetched()
    {
        Evaluate.Passed(Evaluate.One("""{"type":"json_schema","schema":{"$id":"https://example.com/s","type":"string"}}""", "\"x\""));
        Evaluate.Passed(Evaluate.One("""{"type":"json_schema","schema":{"$id":"https://example.com/s","type":"integer"}}""", "3"));

        var remote = Evaluate.One("""{"type":"json_schema","schema":{"$ref":"https://example.com/elsewhere.json"}}""", "3");
        Evaluate.Errored(remote, "not available");
    }
}
