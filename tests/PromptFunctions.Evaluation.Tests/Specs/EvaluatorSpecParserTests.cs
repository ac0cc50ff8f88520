using System.Text.Json.Nodes;
using PromptFunctions.Evaluation.Specs;
using PromptFunctions.Prompts.Model;

namespace PromptFunctions.Evaluation.Tests.Specs;

public sealed class EvaluatorSpecParserTests
{
    private static IReadOnlyList<ValidationFault> Faults(string json, bool normalizationSupported = true, string path = "$")
    {
        var cursor = new ValidatingJsonReader();
        var specs = EvaluatorSpecParser.Read(JsonNode.Parse(json), path, cursor, normalizationSupported);
        Assert.Null(specs);
        Assert.NotEmpty(cursor.Faults);
        return cursor.Faults;
    }

    private static ValidationFault SingleFault(string json, bool normalizationSupported = true) =>
        Assert.Single(Faults(json, normalizationSupported));

    [Fact]
    public void Defaults_are_filled_in_and_written_back_in_full()
    {
        var spec = EvaluatorSpecParser.ParseOne(JsonNode.Parse("""{"type":"exact_match"}"""));

        Assert.Equal("exact_match", spec.Name);
        Assert.Equal("""{"type":"exact_match","name":"exact_match","case_sensitive":true,"trim":true,"collapse_whitespace":false,"strip_punctuation":false,"normalization":"none"}""",
            spec.ToJson().ToJsonString());
        Assert.Equal("""{"type":"llm_judge","name":"llm_judge","rubric":"R","pass_threshold":0.5,"temperature":0,"max_output_tokens":512,"use_input":true,"use_expected":true}""",
            EvaluatorSpecParser.ParseOne(JsonNode.Parse("""{"type":"llm_judge","rubric":"R"}""")).ToJson().ToJsonString());
        Assert.Equal("""{"type":"regex","name":"regex","pattern":"x","case_sensitive":true,"full_match":false,"negate":false,"timeout_ms":1000}""",
            EvaluatorSpecParser.ParseOne(JsonNode.Parse("""{"type":"regex","pattern":"x"}""")).ToJson().ToJsonString());
    }

    [Fact]
    public void Every_type_round_trips_through_its_complete_form()
    {
        var json = JsonNode.Parse("""
            [{"type":"exact_match","name":"exact","value":"v","case_sensitive":false,"trim":false,"collapse_whitespace":true,"strip_punctuation":true,"normalization":"nfkc"},
             {"type":"contains","value":"a","negate":true,"case_sensitive":false},
             {"type":"contains_any","values":["a","b"],"normalization":"nfc"},
             {"type":"contains_all","values":["a","b"],"collapse_whitespace":true},
             {"type":"regex","pattern":"^a+$","case_sensitive":false,"full_match":true,"negate":true,"timeout_ms":250},
             {"type":"json_valid","strip_code_fence":true},
             {"type":"json_schema","schema":{"type":"object","required":["a"]},"strip_code_fence":true},
             {"type":"levenshtein","value":"kitten","threshold":0.75,"trim":false,"normalization":"nfd"},
             {"type":"numeric","value":-2.5,"abs_tolerance":0.1,"rel_tolerance":0.01,"extract":"last"},
             {"type":"llm_judge","rubric":"Be right.","pass_threshold":0.9,"model":"m","temperature":0.3,"max_output_tokens":100,"labels":["yes","no"],"use_input":false,"use_expected":false}]
            """);
        var specs = EvaluatorSpecParser.Parse(json);
        var written = new JsonArray([.. specs.Select(s => (JsonNode)s.ToJson())]);
        var reread = EvaluatorSpecParser.Parse(written.DeepClone());

        Assert.Equal(EvaluatorTypes.All, specs.Select(s => s.Type));
        Assert.True(JsonNode.DeepEquals(written, new JsonArray([.. reread.Select(s => (JsonNode)s.ToJson())])), written.ToJsonString());
        // Every option given was kept: the complete form holds each member of the input.
        for (var i = 0; i < specs.Count; i++)
            foreach (var (name, value) in json![i]!.AsObject())
                Assert.True(JsonNode.DeepEquals(value, written[i]![name]), $"{specs[i].Name}.{name}");
    }

    [Theory]
    [InlineData("""{"type":"exact_match"}""", "$", "expected an array")]
    [InlineData("""[null]""", "$[0]", "expected an object, got null")]
    [InlineData("""[{"name":"x"}]""", "$[0].type", "is required")]
    [InlineData("""[{"type":7}]""", "$[0].type", "expected a string")]
    [InlineData("""[{"type":"bleu"}]""", "$[0].type", "unknown evaluator type 'bleu'")]
    [InlineData("""[{"type":"exact_match","casesensitive":false}]""", "$[0].casesensitive", "unknown field")]
    [InlineData("""[{"type":"exact_match","pattern":"x"}]""", "$[0].pattern", "unknown field")]
    [InlineData("""[{"type":"contains_any","value":"x"}]""", "$[0].value", "unknown field")]
    [InlineData("""[{"type":"contains","values":["x"]}]""", "$[0].values", "unknown field")]
    [InlineData("""[{"type":"exact_match","name":"Exact Match"}]""", "$[0].name", "lowercase letters")]
    [InlineData("""[{"type":"exact_match","case_sensitive":"no"}]""", "$[0].case_sensitive", "expected true or false")]
    [InlineData("""[{"type":"exact_match","normalization":"nfx"}]""", "$[0].normalization", "must be one of none, nfc, nfd, nfkc, nfkd")]
    [InlineData("""[{"type":"contains","value":""}]""", "$[0].value", "must not be empty")]
    [InlineData("""[{"type":"contains_any","values":[]}]""", "$[0].values", "1 to 100 values")]
    [InlineData("""[{"type":"contains_all","values":"a"}]""", "$[0].values", "expected an array")]
    [InlineData("""[{"type":"contains_all","values":["a",1]}]""", "$[0].values[1]", "expected a string")]
    [InlineData("""[{"type":"contains_all","values":["a","a"]}]""", "$[0].values[1]", "appears more than once")]
    [InlineData("""[{"type":"regex"}]""", "$[0].pattern", "is required")]
    [InlineData("""[{"type":"regex","pattern":"(unclosed"}]""", "$[0].pattern", "not a valid .NET regular expression")]
    [InlineData("""[{"type":"regex","pattern":"a","timeout_ms":0}]""", "$[0].timeout_ms", "between 1 and 10000")]
    [InlineData("""[{"type":"regex","pattern":"a","timeout_ms":2.5}]""", "$[0].timeout_ms", "expected an integer")]
    [InlineData("""[{"type":"json_schema"}]""", "$[0].schema", "is required")]
    [InlineData("""[{"type":"json_schema","schema":"object"}]""", "$[0].schema", "an object or a boolean")]
    [InlineData("""[{"type":"json_schema","schema":{"type":12}}]""", "$[0].schema", "not a usable JSON Schema")]
    [InlineData("""[{"type":"json_valid","strip_code_fence":1}]""", "$[0].strip_code_fence", "expected true or false")]
    [InlineData("""[{"type":"levenshtein","threshold":1.5}]""", "$[0].threshold", "between 0 and 1")]
    [InlineData("""[{"type":"numeric","abs_tolerance":-1}]""", "$[0].abs_tolerance", "between 0 and")]
    [InlineData("""[{"type":"numeric","value":"42"}]""", "$[0].value", "expected a number")]
    [InlineData("""[{"type":"numeric","extract":"middle"}]""", "$[0].extract", "must be one of strict, first, last")]
    [InlineData("""[{"type":"llm_judge"}]""", "$[0].rubric", "is required")]
    [InlineData("""[{"type":"llm_judge","rubric":""}]""", "$[0].rubric", "must not be empty")]
    [InlineData("""[{"type":"llm_judge","rubric":"R","temperature":3}]""", "$[0].temperature", "between 0 and 2")]
    [InlineData("""[{"type":"llm_judge","rubric":"R","max_output_tokens":5}]""", "$[0].max_output_tokens", "between 16 and 16384")]
    [InlineData("""[{"type":"llm_judge","rubric":"R","labels":["ok",""]}]""", "$[0].labels[1]", "must not be empty")]
    [InlineData("""[{"type":"llm_judge","rubric":"R","model":""}]""", "$[0].model", "must not be empty")]
    public void Each_fault_is_reported_at_its_path(string json, string path, string fragment)
    {
        var fault = SingleFault(json);
        Assert.Equal(path, fault.Path);
        Assert.Contains(fragment, fault.Message);
    }

    [Fact]
    public void Every_fault_in_a_list_is_reported_not_only_the_first()
    {
        var faults = Faults("""
            [{"type":"regex","pattern":"(","extra":1},
             {"type":"levenshtein","threshold":-1},
             {"type":"nope"},
             {"type":"llm_judge"}]
            """, path: "$.evaluators");

        Assert.Equal(["$.evaluators[0].extra", "$.evaluators[0].pattern", "$.evaluators[1].threshold", "$.evaluators[2].type", "$.evaluators[3].rubric"],
            faults.Select(f => f.Path).Order(StringComparer.Ordinal));
    }

    [Fact]
    public void Names_must_be_distinct_and_default_to_the_type()
    {
        var defaulted = SingleFault("""[{"type":"contains","value":"a"},{"type":"contains","value":"b"}]""");
        Assert.Equal("$[1]", defaulted.Path);
        Assert.Contains("duplicate evaluator name 'contains' (first at $[0])", defaulted.Message);

        var named = SingleFault("""[{"type":"contains","value":"a","name":"c"},{"type":"regex","pattern":"b","name":"c"}]""");
        Assert.Equal("$[1].name", named.Path);

        Assert.Equal(["has-a", "has-b"], EvaluatorSpecParser.Parse(JsonNode.Parse("""[{"type":"contains","value":"a","name":"has-a"},{"type":"contains","value":"b","name":"has-b"}]""")).Select(s => s.Name));
    }

    [Fact]
    public void A_list_has_at_most_fifty_evaluators()
    {
        var list = new JsonArray([.. Enumerable.Range(0, 51).Select(i => (JsonNode)new JsonObject { ["type"] = "json_valid", ["name"] = $"j{i}" })]);
        var cursor = new ValidatingJsonReader();
        Assert.Null(EvaluatorSpecParser.Read(list, "$", cursor));
        Assert.Equal("$", Assert.Single(cursor.Faults).Path);
    }

    [Fact]
    public void Normalization_is_refused_where_the_process_cannot_normalize()
    {
        var fault = SingleFault("""[{"type":"exact_match","normalization":"nfc"}]""", normalizationSupported: false);
        Assert.Equal("$[0].normalization", fault.Path);
        Assert.Contains("globalization-invariant", fault.Message);

        var cursor = new ValidatingJsonReader();
        Assert.NotNull(EvaluatorSpecParser.Read(JsonNode.Parse("""[{"type":"exact_match","normalization":"none"}]"""), "$", cursor, normalizationSupported: false));
    }

    [Fact]
    public void Parse_throws_with_every_fault()
    {
        var error = Assert.Throws<PromptValidationException>(() => EvaluatorSpecParser.Parse(JsonNode.Parse("""[{"type":"x"},{"type":"y"}]""")));
        Assert.Equal(["$[0].type", "$[1].type"], error.Faults.Select(f => f.Path));
        Assert.Equal("$.type", Assert.Throws<PromptValidationException>(() => EvaluatorSpecParser.ParseOne(JsonNode.Parse("{}"))).Faults.Single().Path);
    }
}
