using System.Text.Json.Nodes;
using PromptFunctions.Prompts.Templating;

namespace PromptFunctions.Prompts.Tests.Templating;

public class FStringEngineTests
{
    private static readonly FStringTemplateEngine Engine = new();

    private static TemplateRenderResult Render(string template, string json) =>
        Engine.Render(template, JsonNode.Parse(json)!.AsObject());

    /// <summary>str(), repr() and ascii() of <c>json.loads(value)</c>, as printed by CPython 3.11.</summary>
    [Theory]
    [InlineData("\"text\"", "text", "'text'", "'text'")]
    [InlineData("1", "1", "1", "1")]
    [InlineData("-0", "0", "0", "0")]
    [InlineData("12345678901234567890123", "12345678901234567890123", "12345678901234567890123", "12345678901234567890123")]
    [InlineData("1.0", "1.0", "1.0", "1.0")]
    [InlineData("1.5", "1.5", "1.5", "1.5")]
    [InlineData("1e3", "1000.0", "1000.0", "1000.0")]
    [InlineData("1E3", "1000.0", "1000.0", "1000.0")]
    [InlineData("1e16", "1e+16", "1e+16", "1e+16")]
    [InlineData("1e15", "1000000000000000.0", "1000000000000000.0", "1000000000000000.0")]
    [InlineData("0.0001", "0.0001", "0.0001", "0.0001")]
    [InlineData("0.00001", "1e-05", "1e-05", "1e-05")]
    [InlineData("-0.0", "-0.0", "-0.0", "-0.0")]
    [InlineData("1e400", "inf", "inf", "inf")]
    [InlineData("-1e400", "-inf", "-inf", "-inf")]
    [InlineData("0.1", "0.1", "0.1", "0.1")]
    [InlineData("1.7976931348623157e308", "1.7976931348623157e+308", "1.7976931348623157e+308", "1.7976931348623157e+308")]
    [InlineData("5e-324", "5e-324", "5e-324", "5e-324")]
    [InlineData("123456789.123456789", "123456789.12345679", "123456789.12345679", "123456789.12345679")]
    [InlineData("2.5e-7", "2.5e-07", "2.5e-07", "2.5e-07")]
    [InlineData("100.0e-2", "1.0", "1.0", "1.0")]
    [InlineData("true", "True", "True", "True")]
    [InlineData("false", "False", "False", "False")]
    [InlineData("null", "None", "None", "None")]
    [InlineData("[1, \"a\", null, true, 1.5]", "[1, 'a', None, True, 1.5]", "[1, 'a', None, True, 1.5]", "[1, 'a', None, True, 1.5]")]
    [InlineData("{\"a\": 1, \"b\": [true, null]}", "{'a': 1, 'b': [True, None]}", "{'a': 1, 'b': [True, None]}", "{'a': 1, 'b': [True, None]}")]
    [InlineData("{}", "{}", "{}", "{}")]
    [InlineData("[]", "[]", "[]", "[]")]
    [InlineData("[[], {}]", "[[], {}]", "[[], {}]", "[[], {}]")]
    [InlineData("[\"it's\"]", "[\"it's\"]", "[\"it's\"]", "[\"it's\"]")]
    [InlineData("[\"say \\\"hi\\\"\"]", "['say \"hi\"']", "['say \"hi\"']", "['say \"hi\"']")]
    [InlineData("[\"it's \\\"x\\\"\"]", "['it\\'s \"x\"']", "['it\\'s \"x\"']", "['it\\'s \"x\"']")]
    [InlineData("[\"a\\nb\\tc\\rd\"]", "['a\\nb\\tc\\rd']", "['a\\nb\\tc\\rd']", "['a\\nb\\tc\\rd']")]
    [InlineData("[\"\\u0007\\u001f\\u007f\"]", "['\\x07\\x1f\\x7f']", "['\\x07\\x1f\\x7f']", "['\\x07\\x1f\\x7f']")]
    [InlineData("[\"\\u00e9\"]", "['\u00E9']", "['\u00E9']", "['\\xe9']")]
    [InlineData("[\"\\u00a0\"]", "['\\xa0']", "['\\xa0']", "['\\xa0']")]
    [InlineData("[\"\\u200b\"]", "['\\u200b']", "['\\u200b']", "['\\u200b']")]
    [InlineData("[\"\\u2028\"]", "['\\u2028']", "['\\u2028']", "['\\u2028']")]
    [InlineData("[\"back\\\\slash\"]", "['back\\\\slash']", "['back\\\\slash']", "['back\\\\slash']")]
    [InlineData("[\"\\ud83d\\ude00\"]", "['\U0001F600']", "['\U0001F600']", "['\\U0001f600']")]
    [InlineData("[\"\\ue000\"]", "['\\ue000']", "['\\ue000']", "['\\ue000']")]
    [InlineData("{\"k'ey\": \"v\"}", "{\"k'ey\": 'v'}", "{\"k'ey\": 'v'}", "{\"k'ey\": 'v'}")]
    [InlineData("[\"caf\\u00e9 \\u2615\"]", "['caf\u00E9 \u2615']", "['caf\u00E9 \u2615']", "['caf\\xe9 \\u2615']")]
    public void Renders_json_values_as_python_str_repr_and_ascii(string json, string str, string repr, string ascii)
    {
        var result = Render("{v}|{v!s}|{v!r}|{v!a}", $$"""{"v":{{json}}}""");

        Assert.Equal($"{str}|{str}|{repr}|{ascii}", result.Text);
    }

    [Theory]
    [InlineData("{s!r}", "it's", "\"it's\"")]
    [InlineData("{s!r}", "say \"hi\"", "'say \"hi\"'")]
    [InlineData("{s!r}", "it's \"x\"", "'it\\'s \"x\"'")]
    [InlineData("{s!r:>8}", "ab", "    'ab'")]
    [InlineData("{s!a:^12}", "caf\u00e9", " 'caf\\xe9'  ")]
    [InlineData("{s!s:.2}", "abc", "ab")]
    public void Conversions_produce_a_str_that_the_format_spec_then_applies_to(string template, string value, string expected)
    {
        Assert.Equal(expected, Engine.Render(template, new JsonObject { ["s"] = value }).Text);
    }

    [Fact]
    public void A_converted_value_is_a_str_for_the_format_spec()
    {
        Assert.Equal(" 1.0", Render("{n!s:>4}", """{"n":1.0}""").Text);
        var error = Assert.Throws<TemplateSyntaxException>(() => Render("ab{n!r:d}", """{"n":1}"""));
        Assert.Equal("Unknown format code 'd' for object of type 'str'", error.Message);
        Assert.Equal(2, error.Offset);
    }

    [Theory]
    [InlineData("{{literal}}", "{literal}")]
    [InlineData("}}{{", "}{")]
    [InlineData("{{{x}}}", "{1}")]
    [InlineData("a {{ {x} }} b", "a { 1 } b")]
    [InlineData("{x}{{}}{x}", "1{}1")]
    [InlineData("no fields", "no fields")]
    [InlineData("", "")]
    public void Doubled_braces_are_literal_braces(string template, string expected)
    {
        Assert.Equal(expected, Render(template, """{"x":1}""").Text);
    }

    [Fact]
    public void Escaped_braces_are_not_variables()
    {
        Assert.Empty(Engine.GetVariables("{{x}} {{{{y}}}}"));
    }

    [Theory]
    [InlineData("}", "Single '}' encountered in format string", 0)]
    [InlineData("a}b", "Single '}' encountered in format string", 1)]
    [InlineData("{x}}", "Single '}' encountered in format string", 3)]
    [InlineData("{", "Single '{' encountered in format string", 0)]
    [InlineData("ab{", "Single '{' encountered in format string", 2)]
    [InlineData("}}{", "Single '{' encountered in format string", 2)]
    [InlineData("x {y", "expected '}' before end of string", 2)]
    [InlineData("{x[}", "expected '}' before end of string", 0)]
    [InlineData("{x{}", "unexpected '{' in field name", 2)]
    [InlineData("{x!}", "unmatched '{' in format spec", 0)]
    [InlineData("{x!}abc", "expected ':' after conversion specifier", 4)]
    [InlineData("{x!r", "unmatched '{' in format spec", 0)]
    [InlineData("{x!", "end of string while looking for conversion specifier", 0)]
    [InlineData("{x!z}", "Unknown conversion specifier z", 3)]
    [InlineData("{x!:}", "Unknown conversion specifier :", 3)]
    [InlineData("{x:", "unmatched '{' in format spec", 0)]
    [InlineData("{x:{w}", "unmatched '{' in format spec", 0)]
    [InlineData("{x.}", "Empty attribute in format string", 0)]
    [InlineData("{x[]}", "Empty attribute in format string", 0)]
    [InlineData("{x[0]a}", "Only '.' or '[' may follow ']' in format field specifier", 0)]
    [InlineData("{x:{y!q}}", "Unknown conversion specifier q", 6)]
    public void Syntax_errors_use_pythons_messages_and_the_offset_of_the_fault(string template, string message, int offset)
    {
        var error = Assert.Throws<TemplateSyntaxException>(() => Engine.GetVariables(template));

        Assert.Equal(message, error.Message);
        Assert.Equal(offset, error.Offset);
        Assert.Throws<TemplateSyntaxException>(() => Engine.Render(template, []));
    }

    /// <summary>The offset is that of the field whose own spec would be one level too deep.</summary>
    [Theory]
    [InlineData("ab{x:{y:{z}}}", 5)]
    [InlineData("{x:{y:{{}}}}", 3)]
    public void Fields_nest_only_one_level_deep_in_a_format_spec(string template, int offset)
    {
        var error = Assert.Throws<TemplateSyntaxException>(() => Engine.GetVariables(template));

        Assert.StartsWith("Max string recursion exceeded", error.Message);
        Assert.Equal(offset, error.Offset);
    }

    [Theory]
    [InlineData("{}", 0, "Empty field name")]
    [InlineData("a {.name}", 2, "Empty field name")]
    [InlineData("{[0]}", 0, "Empty field name")]
    [InlineData("{0}", 0, "Positional field '{0}'")]
    [InlineData("{0.name}", 0, "Positional field")]
    [InlineData("{x:{}}", 3, "Empty field name")]
    [InlineData("{x:>{1}}", 4, "Positional field")]
    public void Positional_fields_are_errors_because_prompts_have_only_named_variables(string template, int offset, string messageStart)
    {
        var error = Assert.Throws<TemplateSyntaxException>(() => Engine.GetVariables(template));

        Assert.StartsWith(messageStart, error.Message);
        Assert.Contains("positional", error.Message);
        Assert.Equal(offset, error.Offset);
    }

    [Theory]
    [InlineData("{x:{w}}", """{"x":"ab","w":5}""", "ab   ")]
    [InlineData("{x:{w}}", """{"x":"ab","w":"^5"}""", " ab  ")]
    [InlineData("{x:{fill}{align}{w}}", """{"x":"ab","fill":"*","align":"^","w":6}""", "**ab**")]
    [InlineData("{x:.{p}f}", """{"x":3.14159,"p":2}""", "3.14")]
    [InlineData("{x:{w}.{p}f}", """{"x":3.14159,"w":8,"p":3}""", "   3.142")]
    [InlineData("{x!r:>{w}}", """{"x":"a","w":5}""", "  'a'")]
    public void Format_specs_may_contain_replacement_fields(string template, string data, string expected)
    {
        Assert.Equal(expected, Render(template, data).Text);
    }

    [Fact]
    public void A_format_error_inside_a_nested_field_is_reported_at_that_field()
    {
        var error = Assert.Throws<TemplateSyntaxException>(() => Render("ab{x:{w:d}}", """{"x":1,"w":"s"}"""));

        Assert.Equal("Unknown format code 'd' for object of type 'str'", error.Message);
        Assert.Equal(5, error.Offset);
    }

    [Theory]
    [InlineData("{user.name}", "Ann")]
    [InlineData("{user[name]}", "Ann")]
    [InlineData("{user.tags[1]}", "b")]
    [InlineData("{items[1]}", "second")]
    [InlineData("{items[00]}", "first")]
    [InlineData("{rows[0].id}/{rows[0][id]}", "7/7")]
    [InlineData("{m[a.b]}|{m[key with space]}", "1|2")]
    [InlineData("{s[0]}{s[1]}", "h\u00e9")]
    [InlineData("{e[1]}|{e[0]!a}", "x|'\\U0001f600'")]
    [InlineData("{s[1][0]}", "\u00e9")]
    public void Attribute_and_index_access_reach_into_objects_lists_and_strings(string template, string expected)
    {
        const string data = """
            {"user":{"name":"Ann","tags":["a","b"]},"items":["first","second"],"rows":[{"id":7}],
             "m":{"a.b":1,"key with space":2},"s":"h\u00e9llo","e":"\ud83d\ude00x"}
            """;

        var result = Render(template, data);

        Assert.Equal(expected, result.Text);
        Assert.Empty(result.MissingVariables);
    }

    [Theory]
    [InlineData("{a} {b} {a} {c.d}", """{"c":{}}""", "   ", new[] { "a", "b", "c.d" })]
    [InlineData("{user.name}|{nobody.name}", """{"user":{}}""", "|", new[] { "user.name", "nobody.name" })]
    [InlineData("{items[5]}{items[x]}", """{"items":[1]}""", "", new[] { "items[5]", "items[x]" })]
    [InlineData("{m[0]}", """{"m":{"0":"zero"}}""", "", new[] { "m[0]" })]
    [InlineData("{n.real}{s.upper}{z[0]}", """{"n":1,"s":"a","z":null}""", "", new[] { "n.real", "s.upper", "z[0]" })]
    [InlineData("{s[9]}", """{"s":"abc"}""", "", new[] { "s[9]" })]
    [InlineData("[{x:d}]", "{}", "[]", new[] { "x" })]
    [InlineData("[{x:{w}}]", """{"x":"ab"}""", "[]", new[] { "w" })]
    [InlineData("[{x:.{p}f}]", """{"x":1.5}""", "[]", new[] { "p" })]
    [InlineData("[{x:{w}}]", "{}", "[]", new[] { "x", "w" })]
    [InlineData("[{x:{w}}{y:{w}}]", """{"x":1,"y":2}""", "[]", new[] { "w" })]
    [InlineData("[{x}]", """{"x":null}""", "[None]", new string[0])]
    public void Missing_variables_render_empty_and_are_all_reported_by_field_name(
        string template, string data, string expectedText, string[] expectedMissing)
    {
        var result = Render(template, data);

        Assert.Equal(expectedText, result.Text);
        Assert.Equal(expectedMissing, result.MissingVariables);
    }

    [Theory]
    [InlineData("Hello {name}, {user.age:>{width}} {items[0]!r} {{literal}} {name}", new[] { "name", "user", "width", "items" })]
    [InlineData("{a:{b}}{c}{b}", new[] { "a", "b", "c" })]
    [InlineData("{m[x.y]}", new[] { "m" })]
    [InlineData("", new string[0])]
    public void Lists_argument_names_in_order_of_first_appearance(string template, string[] expected)
    {
        Assert.Equal(expected, Engine.GetVariables(template));
    }
}
