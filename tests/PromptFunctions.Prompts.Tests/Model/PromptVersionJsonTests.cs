using System.Text.Json.Nodes;
using PromptFunctions.Prompts.Model;
using PromptFunctions.Prompts.Templating;

namespace PromptFunctions.Prompts.Tests.Model;

public sealed class PromptVersionJsonTests
{
    [Fact]
    public void Shorthands_normalize_to_the_typed_form_and_share_an_id()
    {
        var shorthand = PromptVersionJson.Parse(JsonNode.Parse("""{"template":[{"role":"user","content":"Hi {{name}}"}]}"""));
        var typed = PromptVersionJson.Parse(JsonNode.Parse("""{"template":{"type":"chat","messages":[{"role":"user","content":"Hi {{name}}"}]},"template_format":"mustache","invocation_parameters":{}}"""));

        Assert.Equal(PromptVersionJson.ComputeId(typed), PromptVersionJson.ComputeId(shorthand));
        Assert.Equal("""{"template":{"type":"chat","messages":[{"role":"user","content":"Hi {{name}}"}]},"template_format":"mustache","invocation_parameters":{}}""",
            PromptVersionJson.ToJson(shorthand).ToJsonString());
    }

    [Fact]
    public void Every_field_round_trips()
    {
        var text = """
        {"template":{"type":"chat","messages":[
            {"role":"system","content":"Be {{tone}}."},
            {"type":"placeholder","name":"history"},
            {"role":"assistant","content":[{"type":"tool_call","tool_call_id":"c1","tool_call":{"type":"function","name":"lookup","arguments":"{\"q\":1}"}}]},
            {"role":"tool","content":[{"type":"tool_result","tool_call_id":"c1","tool_result":{"answer":42}}]},
            {"role":"developer","content":[{"type":"text","text":"{{question}}"}]}]},
         "template_format":"mustache",
         "model":{"provider":"azure_openai","name":"gpt-4o"},
         "invocation_parameters":{"temperature":0.5,"max_tokens":100,"top_p":0.9,"seed":7,"stop":["END"],"reasoning_effort":"low","logit_bias":{"50256":-100}},
         "tools":{"tools":[{"type":"function","function":{"name":"lookup","description":"Find","parameters":{"type":"object"},"strict":true}}],"tool_choice":{"type":"function","function":{"name":"lookup"}},"parallel_tool_calls":false},
         "response_format":{"type":"json_schema","json_schema":{"name":"answer","schema":{"type":"object"},"strict":true}},
         "description":"full","metadata":{"team":"support"}}
        """;
        var content = PromptVersionJson.Parse(JsonNode.Parse(text));
        var written = PromptVersionJson.ToJson(content);
        var reparsed = PromptVersionJson.Parse(written.DeepClone());

        Assert.True(JsonNode.DeepEquals(JsonNode.Parse(text), written), written.ToJsonString());
        Assert.Equal(PromptVersionJson.ComputeId(content), PromptVersionJson.ComputeId(reparsed));
        Assert.Equal(-100, written["invocation_parameters"]!["logit_bias"]!["50256"]!.GetValue<int>());
        Assert.Equal("lookup", content.Tools!.ToolChoice!.FunctionName);
    }

    [Fact]
    public void Every_fault_is_reported_with_its_path()
    {
        var text = """{"template":[{"role":"robot","content":"x"},{"role":"user"}],"template_format":"jinja","invocation_parameters":{"temperature":3,"max_tokens":0},"extra":1}""";
        var error = Assert.Throws<PromptValidationException>(() => PromptVersionJson.Parse(JsonNode.Parse(text)));
        var paths = error.Faults.Select(f => f.Path).ToList();
        Assert.Contains("$.extra", paths);
        Assert.Contains("$.template_format", paths);
        Assert.Contains("$.template[0].role", paths);
        Assert.Contains("$.template[1].content", paths);
        Assert.Contains("$.invocation_parameters.temperature", paths);
        Assert.Contains("$.invocation_parameters.max_tokens", paths);
    }

    [Fact]
    public void Template_syntax_is_checked_in_the_declared_format()
    {
        var mustache = Assert.Throws<PromptValidationException>(() => PromptVersionJson.Parse(JsonNode.Parse("""{"template":[{"role":"user","content":[{"type":"text","text":"{{#a}}"}]}]}""")));
        Assert.Equal("$.template[0].content[0].text", mustache.Faults.Single().Path);
        // The same text is fine as an f-string and as plain text.
        Assert.Equal(TemplateFormat.None, PromptVersionJson.Parse(JsonNode.Parse("""{"template":"{{#a}}","template_format":"none"}""")).TemplateFormat);
        var fstring = Assert.Throws<PromptValidationException>(() => PromptVersionJson.Parse(JsonNode.Parse("""{"template":"{a","template_format":"f_string"}""")));
        Assert.Equal("$.template", fstring.Faults.Single().Path);
    }

    [Theory]
    [InlineData("production", true)]
    [InlineData("a", true)]
    [InlineData("v1_0-rc", true)]
    [InlineData("Production", false)]
    [InlineData("-start", false)]
    [InlineData("end_", false)]
    [InlineData("has.dot", false)]
    [InlineData("", false)]
    public void Tag_names_follow_the_identifier_rule(string name, bool valid)
    {
        Assert.Equal(valid, Identifiers.IsTagName(name));
        Assert.Equal(valid, Identifiers.IsPromptName(name));
    }

    [Fact]
    public void Length_limits_differ_for_prompts_and_tags()
    {
        Assert.True(Identifiers.IsPromptName(new string('a', 128)));
        Assert.False(Identifiers.IsPromptName(new string('a', 129)));
        Assert.True(Identifiers.IsTagName(new string('a', 64)));
        Assert.False(Identifiers.IsTagName(new string('a', 65)));
    }
}
