using System.Text.Json.Nodes;
using PromptFunctions.Prompts.Templating;

namespace PromptFunctions.Prompts.Tests.Templating;

public class MustacheEngineTests
{
    private static readonly MustacheTemplateEngine Engine = new();

    private static TemplateRenderResult Render(string template, string json) =>
        Engine.Render(template, JsonNode.Parse(json)!.AsObject());

    [Fact]
    public void Never_escapes_html_so_every_interpolation_form_renders_the_same_text()
    {
        var result = Render("{{x}}|{{{x}}}|{{&x}}", """{"x":"<b> & \"q\" 'a'"}""");

        Assert.Equal("<b> & \"q\" 'a'|<b> & \"q\" 'a'|<b> & \"q\" 'a'", result.Text);
    }

    [Theory]
    [InlineData("\"text\"", "text")]
    [InlineData("1.5", "1.5")]
    [InlineData("1.50", "1.50")]
    [InlineData("1e3", "1e3")]
    [InlineData("-0", "-0")]
    [InlineData("12345678901234567890123", "12345678901234567890123")]
    [InlineData("true", "true")]
    [InlineData("false", "false")]
    [InlineData("null", "")]
    [InlineData("""{"a":1,"b":[true,null],"c":"Zoë <b>"}""", """{"a":1,"b":[true,null],"c":"Zoë <b>"}""")]
    [InlineData("""[1, "x", {}]""", """[1,"x",{}]""")]
    public void Interpolates_values_as_documented(string json, string expected)
    {
        Assert.Equal(expected, Render("{{v}}", $$"""{"v":{{json}}}""").Text);
    }

    [Fact]
    public void Numbers_built_in_code_render_invariantly()
    {
        var result = Engine.Render("{{half}} {{big}}", new JsonObject { ["half"] = 1.5, ["big"] = 1e21 });

        Assert.Equal("1.5 1E+21", result.Text);
    }

    [Fact]
    public void The_implicit_iterator_at_the_top_level_renders_all_variables_as_json()
    {
        Assert.Equal("""{"a":1}""", Render("{{.}}", """{"a":1}""").Text);
    }

    [Theory]
    [InlineData("false", "F")]
    [InlineData("null", "F")]
    [InlineData("0", "F")]
    [InlineData("0.0", "F")]
    [InlineData("-0", "F")]
    [InlineData("\"\"", "F")]
    [InlineData("[]", "F")]
    [InlineData("true", "T")]
    [InlineData("1", "T")]
    [InlineData("-0.5", "T")]
    [InlineData("{}", "T")]
    [InlineData("\"0\"", "T")]
    [InlineData("\"false\"", "T")]
    [InlineData("\" \"", "T")]
    [InlineData("[0]", "T")]
    public void Truthiness_follows_mustache_js(string json, string expected)
    {
        Assert.Equal(expected, Render("{{#v}}T{{/v}}{{^v}}F{{/v}}", $$"""{"v":{{json}}}""").Text);
    }

    [Theory]
    [InlineData("{{#n}}<{{.}}>{{/n}}", """{"n":5}""", "<5>")]
    [InlineData("{{#s}}<{{.}}>{{/s}}", """{"s":"abc"}""", "<abc>")]
    [InlineData("{{#o}}{{.}}{{/o}}", """{"o":{"k":"v"}}""", """{"k":"v"}""")]
    [InlineData("{{items.1}}/{{items.0.name}}", """{"items":[{"name":"a"},"b"]}""", "b/a")]
    [InlineData("{{#items}}{{title}}: {{.}};{{/items}}", """{"title":"T","items":[1,2]}""", "T: 1;T: 2;")]
    [InlineData("{{#o}}[{{x}}]{{/o}}", """{"x":"outer","o":{"x":null}}""", "[]")]
    public void Sections_push_their_value_onto_the_context_stack(string template, string data, string expected)
    {
        var result = Render(template, data);

        Assert.Equal(expected, result.Text);
        Assert.Empty(result.MissingVariables);
    }

    [Fact]
    public void Clr_members_of_values_are_not_visible()
    {
        var result = Render("[{{s.Length}}][{{items.Count}}][{{o.Keys}}]", """{"s":"abc","items":[1],"o":{"a":1}}""");

        Assert.Equal("[][][]", result.Text);
        Assert.Equal(["s.Length", "items.Count", "o.Keys"], result.MissingVariables);
    }

    [Theory]
    [InlineData("{{a}} {{b}} {{a}} {{c.d}}", """{"c":{}}""", new[] { "a", "b", "c.d" })]
    [InlineData("{{ user.name }} {{user.age}}", """{"user":{"age":3}}""", new[] { "user.name" })]
    [InlineData("{{#items}}{{name}}{{/items}}", """{"items":[{"name":"x"},{}]}""", new[] { "name" })]
    [InlineData("{{#items}}{{a}}{{b}}{{/items}}", """{"items":[{"a":1},{"b":2}]}""", new[] { "b", "a" })]
    [InlineData("{{#opt}}{{inner}}{{/opt}}", "{}", new[] { "opt" })]
    [InlineData("{{#flag}}{{inner}}{{/flag}}", """{"flag":false}""", new string[0])]
    [InlineData("{{#items}}{{inner}}{{/items}}", """{"items":[]}""", new string[0])]
    [InlineData("{{^opt}}{{fallback}}{{/opt}}", "{}", new[] { "opt", "fallback" })]
    [InlineData("{{^flag}}{{inner}}{{/flag}}", """{"flag":true}""", new string[0])]
    [InlineData("{{^flag}}{{inner}}{{/flag}}", """{"flag":[]}""", new[] { "inner" })]
    [InlineData("{{#a}}{{b.c}}{{/a}}", """{"a":{"b":{}},"b":{"c":"x"}}""", new[] { "b.c" })]
    [InlineData("{{#a.b}}{{c}}{{/a.b}}", """{"a":{}}""", new[] { "a.b" })]
    [InlineData("{{x}}{{#x}}{{/x}}{{^x}}{{/x}}", """{"x":null}""", new string[0])]
    [InlineData("{{=<% %>=}}<%a%>{{b}}<%c.d%>", """{"c":5}""", new[] { "a", "c.d" })]
    public void Reports_every_missing_variable_in_order_of_first_lookup(string template, string data, string[] expected)
    {
        Assert.Equal(expected, Render(template, data).MissingVariables);
    }

    [Fact]
    public void A_missing_variable_renders_empty()
    {
        var result = Render("Hi {{name}}, you are {{user.age}}.", """{"user":{}}""");

        Assert.Equal("Hi , you are .", result.Text);
        Assert.Equal(["name", "user.age"], result.MissingVariables);
    }

    [Theory]
    [InlineData("Hello {{user.name}}", new[] { "user" })]
    [InlineData("{{#items}}{{title}} {{.}} {{item.name}}{{/items}}{{^empty}}{{user.age}}{{/empty}}", new[] { "items", "title", "item", "empty", "user" })]
    [InlineData("{{! comment }}{{{raw}}}{{&amp}}{{ spaced }}{{raw}}", new[] { "raw", "amp", "spaced" })]
    [InlineData("{{=<% %>=}}<%a%>{{b}}<%#c%><%/c%>", new[] { "a", "c" })]
    [InlineData("{{#.}}{{.}}{{/.}}", new string[0])]
    [InlineData("no tags at all", new string[0])]
    public void Lists_top_level_variable_names_in_order_of_first_appearance(string template, string[] expected)
    {
        Assert.Equal(expected, Engine.GetVariables(template));
    }

    [Theory]
    [InlineData("Hello {{name", 6, "never closed")]
    [InlineData("a {{{x}}", 2, "'}}}'")]
    [InlineData("a {{&x}", 2, "never closed")]
    [InlineData("{{#a}}x", 0, "never closed")]
    [InlineData("ab{{#a}}{{#b}}{{/a}}{{/b}}", 14, "innermost open section '{{#b}}'")]
    [InlineData("ab{{^a}}{{/b}}", 8, "does not match")]
    [InlineData("x{{/a}}", 1, "never opened")]
    [InlineData("12{{! unclosed comment", 2, "never closed")]
    [InlineData("{{> partial}}", 0, "Partials")]
    [InlineData("a {{>p", 2, "never closed")]
    [InlineData("{{= =}}", 0, "set-delimiter")]
    [InlineData("{{=<%=}}", 0, "set-delimiter")]
    [InlineData("x {{=<% %>", 2, "never closed")]
    [InlineData("{{=<% %= %>=}}", 0, "set-delimiter")]
    [InlineData("{{=<% %>=}}ok <%x", 14, "'%>'")]
    [InlineData("{{=<% %>=}}<%#s%>{{/s}}", 11, "never closed")]
    [InlineData("a{{}}", 1, "no name")]
    [InlineData("{{#}}{{/}}", 0, "no name")]
    [InlineData("a\0b", 1, "NUL")]
    public void Syntax_errors_are_reported_with_the_offset_of_the_faulty_tag(string template, int offset, string messagePart)
    {
        var error = Assert.Throws<TemplateSyntaxException>(() => Engine.GetVariables(template));
        Assert.Equal(offset, error.Offset);
        Assert.Contains(messagePart, error.Message);

        var renderError = Assert.Throws<TemplateSyntaxException>(() => Engine.Render(template, []));
        Assert.Equal(offset, renderError.Offset);
    }

    [Fact]
    public void Section_nesting_is_limited_to_a_depth_stubble_can_render()
    {
        var deepest = string.Concat(Enumerable.Repeat("{{#a}}", 100)) + "x" + string.Concat(Enumerable.Repeat("{{/a}}", 100));
        Assert.Equal("x", Render(deepest, """{"a":true}""").Text);

        var tooDeep = "{{#a}}" + deepest + "{{/a}}";
        var error = Assert.Throws<TemplateSyntaxException>(() => Engine.GetVariables(tooDeep));
        Assert.Equal(6 * 100, error.Offset);
    }

    [Fact]
    public void Partials_are_rejected_even_inside_a_false_section()
    {
        Assert.Throws<TemplateSyntaxException>(() => Render("{{#no}}{{>p}}{{/no}}", """{"no":false}"""));
    }
}
