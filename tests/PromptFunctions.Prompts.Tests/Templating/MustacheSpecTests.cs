using System.Text.Json.Nodes;
using PromptFunctions.Prompts.Templating;

namespace PromptFunctions.Prompts.Tests.Templating;

/// <summary>
/// Behaviours documented by the mustache spec (v1.3, core modules), one row per spec case. Where the spec expects
/// HTML escaping, or a YAML float such as 1.210 to print as 1.21, rows are adapted to the engine's documented
/// choices (no escaping, numbers print as their JSON text); those choices have their own tests.
/// </summary>
public class MustacheSpecTests
{
    private static readonly MustacheTemplateEngine Engine = new();

    private static string Render(string template, string json) =>
        Engine.Render(template, JsonNode.Parse(json)!.AsObject()).Text;

    [Theory]
    [InlineData("Hello from {Mustache}!\n", "{}", "Hello from {Mustache}!\n")]
    [InlineData("Hello, {{subject}}!\n", """{"subject":"world"}""", "Hello, world!\n")]
    [InlineData("{{mph}} miles an hour!", """{"mph":85}""", "85 miles an hour!")]
    [InlineData("{{power}} jiggawatts!", """{"power":1.21}""", "1.21 jiggawatts!")]
    [InlineData("I ({{cannot}}) be seen!", """{"cannot":null}""", "I () be seen!")]
    [InlineData("I ({{cannot}}) be seen!", "{}", "I () be seen!")]
    [InlineData("{{{mph}}} miles an hour!", """{"mph":85}""", "85 miles an hour!")]
    [InlineData("{{&power}} jiggawatts!", """{"power":1.21}""", "1.21 jiggawatts!")]
    [InlineData("| {{string}} |", """{"string":"---"}""", "| --- |")]
    [InlineData("| {{{string}}} |", """{"string":"---"}""", "| --- |")]
    [InlineData("| {{&string}} |", """{"string":"---"}""", "| --- |")]
    [InlineData("  {{string}}\n", """{"string":"---"}""", "  ---\n")]
    [InlineData("  {{{string}}}\n", """{"string":"---"}""", "  ---\n")]
    [InlineData("|{{ string }}|", """{"string":"---"}""", "|---|")]
    [InlineData("|{{{ string }}}|", """{"string":"---"}""", "|---|")]
    [InlineData("|{{& string }}|", """{"string":"---"}""", "|---|")]
    public void Interpolation(string template, string data, string expected) =>
        Assert.Equal(expected, Render(template, data));

    [Theory]
    [InlineData("{{person.name}} == {{#person}}{{name}}{{/person}}", """{"person":{"name":"Joe"}}""", "Joe == Joe")]
    [InlineData("{{{person.name}}} == {{#person}}{{{name}}}{{/person}}", """{"person":{"name":"Joe"}}""", "Joe == Joe")]
    [InlineData("{{a.b.c.d.e.name}} == Phil", """{"a":{"b":{"c":{"d":{"e":{"name":"Phil"}}}}}}""", "Phil == Phil")]
    [InlineData("{{a.b.c}} == ", """{"a":{}}""", " == ")]
    [InlineData("{{a.b.c.name}} == ", """{"a":{"b":{}},"c":{"name":"Jim"}}""", " == ")]
    [InlineData("{{#a}}{{b.c.d.e.name}}{{/a}} == Phil",
        """{"a":{"b":{"c":{"d":{"e":{"name":"Phil"}}}}},"b":{"c":{"d":{"e":{"name":"Wrong"}}}}}""", "Phil == Phil")]
    [InlineData("{{#a}}{{b.c}}{{/a}}", """{"a":{"b":{}},"b":{"c":"ERROR"}}""", "")]
    [InlineData("{{#a.b.c}}Here{{/a.b.c}} == Here", """{"a":{"b":{"c":true}}}""", "Here == Here")]
    [InlineData("{{#a.b.c}}Here{{/a.b.c}} == ", """{"a":{"b":{"c":false}}}""", " == ")]
    [InlineData("{{#a.b.c}}Here{{/a.b.c}} == ", """{"a":{}}""", " == ")]
    [InlineData("{{^a.b.c}}Not Here{{/a.b.c}} == ", """{"a":{"b":{"c":true}}}""", " == ")]
    [InlineData("{{^a.b.c}}Not Here{{/a.b.c}} == Not Here", """{"a":{"b":{"c":false}}}""", "Not Here == Not Here")]
    [InlineData("{{^a.b.c}}Not Here{{/a.b.c}} == Not Here", """{"a":{}}""", "Not Here == Not Here")]
    public void Dotted_names(string template, string data, string expected) =>
        Assert.Equal(expected, Render(template, data));

    [Theory]
    [InlineData("\"{{#boolean}}This should be rendered.{{/boolean}}\"", """{"boolean":true}""", "\"This should be rendered.\"")]
    [InlineData("\"{{#boolean}}This should not be rendered.{{/boolean}}\"", """{"boolean":false}""", "\"\"")]
    [InlineData("\"{{#null}}This should not be rendered.{{/null}}\"", """{"null":null}""", "\"\"")]
    [InlineData("\"{{#context}}Hi {{name}}.{{/context}}\"", """{"context":{"name":"Joe"}}""", "\"Hi Joe.\"")]
    [InlineData("\"{{#sec}}{{a}}, {{b}}, {{c.d}}{{/sec}}\"",
        """{"a":"foo","b":"wrong","sec":{"b":"bar"},"c":{"d":"baz"}}""", "\"foo, bar, baz\"")]
    [InlineData("\"{{#foo}}{{.}} is {{foo}}{{/foo}}\"", """{"foo":"bar"}""", "\"bar is bar\"")]
    [InlineData("{{#tops}}{{#middles}}{{tname.lower}}{{mname}}.{{#bottoms}}{{tname.upper}}{{mname}}{{bname}}.{{/bottoms}}{{/middles}}{{/tops}}",
        """{"tops":[{"tname":{"upper":"A","lower":"a"},"middles":[{"mname":"1","bottoms":[{"bname":"x"},{"bname":"y"}]}]}]}""",
        "a1.A1x.A1y.")]
    [InlineData("{{#a}}{{one}}{{#b}}{{one}}{{two}}{{one}}{{#c}}{{one}}{{two}}{{three}}{{two}}{{one}}{{/c}}{{/b}}{{/a}}",
        """{"a":{"one":1},"b":{"two":2},"c":{"three":3}}""", "112112321")]
    [InlineData("\"{{#list}}{{item}}{{/list}}\"", """{"list":[{"item":1},{"item":2},{"item":3}]}""", "\"123\"")]
    [InlineData("\"{{#list}}Yay lists!{{/list}}\"", """{"list":[]}""", "\"\"")]
    [InlineData("{{#bool}}\n* first\n{{/bool}}\n* {{two}}\n{{#bool}}\n* third\n{{/bool}}\n",
        """{"bool":true,"two":"second"}""", "* first\n* second\n* third\n")]
    [InlineData("| A {{#bool}}B {{#bool}}C{{/bool}} D{{/bool}} E |", """{"bool":true}""", "| A B C D E |")]
    [InlineData("| A {{#bool}}B {{#bool}}C{{/bool}} D{{/bool}} E |", """{"bool":false}""", "| A  E |")]
    [InlineData("[{{#missing}}Found key 'missing'!{{/missing}}]", "{}", "[]")]
    [InlineData("\"{{#list}}({{.}}){{/list}}\"", """{"list":["a","b","c","d","e"]}""", "\"(a)(b)(c)(d)(e)\"")]
    [InlineData("\"{{#list}}({{.}}){{/list}}\"", """{"list":[1,2,3,4,5]}""", "\"(1)(2)(3)(4)(5)\"")]
    [InlineData("\"{{#list}}({{.}}){{/list}}\"", """{"list":[1.1,2.2,3.3,4.4,5.5]}""", "\"(1.1)(2.2)(3.3)(4.4)(5.5)\"")]
    [InlineData("\"{{#list}}({{#.}}{{.}}{{/.}}){{/list}}\"", """{"list":[[1,2,3],["a","b","c"]]}""", "\"(123)(abc)\"")]
    [InlineData(" | {{#boolean}}\t|\t{{/boolean}} | \n", """{"boolean":true}""", " | \t|\t | \n")]
    [InlineData(" | {{#boolean}} {{! Important Whitespace }}\n {{/boolean}} | \n", """{"boolean":true}""", " |  \n  | \n")]
    [InlineData(" {{#boolean}}YES{{/boolean}}\n {{#boolean}}GOOD{{/boolean}}\n", """{"boolean":true}""", " YES\n GOOD\n")]
    [InlineData("| This Is\n{{#boolean}}\n|\n{{/boolean}}\n| A Line\n", """{"boolean":true}""", "| This Is\n|\n| A Line\n")]
    [InlineData("| This Is\n  {{#boolean}}\n|\n  {{/boolean}}\n| A Line\n", """{"boolean":true}""", "| This Is\n|\n| A Line\n")]
    [InlineData("|\r\n{{#boolean}}\r\n{{/boolean}}\r\n|", """{"boolean":true}""", "|\r\n|")]
    [InlineData("  {{#boolean}}\n#{{/boolean}}\n/", """{"boolean":true}""", "#\n/")]
    [InlineData("#{{#boolean}}\n/\n  {{/boolean}}", """{"boolean":true}""", "#\n/\n")]
    [InlineData("|{{# boolean }}={{/ boolean }}|", """{"boolean":true}""", "|=|")]
    public void Sections(string template, string data, string expected) =>
        Assert.Equal(expected, Render(template, data));

    [Theory]
    [InlineData("\"{{^boolean}}This should be rendered.{{/boolean}}\"", """{"boolean":false}""", "\"This should be rendered.\"")]
    [InlineData("\"{{^boolean}}This should not be rendered.{{/boolean}}\"", """{"boolean":true}""", "\"\"")]
    [InlineData("\"{{^null}}This should be rendered.{{/null}}\"", """{"null":null}""", "\"This should be rendered.\"")]
    [InlineData("\"{{^context}}Hi {{name}}.{{/context}}\"", """{"context":{"name":"Joe"}}""", "\"\"")]
    [InlineData("\"{{^list}}{{n}}{{/list}}\"", """{"list":[{"n":1},{"n":2},{"n":3}]}""", "\"\"")]
    [InlineData("\"{{^list}}Yay lists!{{/list}}\"", """{"list":[]}""", "\"Yay lists!\"")]
    [InlineData("{{^bool}}\n* first\n{{/bool}}\n* {{two}}\n{{^bool}}\n* third\n{{/bool}}\n",
        """{"bool":false,"two":"second"}""", "* first\n* second\n* third\n")]
    [InlineData("| A {{^bool}}B {{^bool}}C{{/bool}} D{{/bool}} E |", """{"bool":false}""", "| A B C D E |")]
    [InlineData("| A {{^bool}}B {{^bool}}C{{/bool}} D{{/bool}} E |", """{"bool":true}""", "| A  E |")]
    [InlineData("[{{^missing}}Found key 'missing'!{{/missing}}]", "{}", "[Found key 'missing'!]")]
    [InlineData(" | {{^boolean}}\t|\t{{/boolean}} | \n", """{"boolean":false}""", " | \t|\t | \n")]
    [InlineData(" | {{^boolean}} {{! Important Whitespace }}\n {{/boolean}} | \n", """{"boolean":false}""", " |  \n  | \n")]
    [InlineData(" {{^boolean}}NO{{/boolean}}\n {{^boolean}}WAY{{/boolean}}\n", """{"boolean":false}""", " NO\n WAY\n")]
    [InlineData("| This Is\n{{^boolean}}\n|\n{{/boolean}}\n| A Line\n", """{"boolean":false}""", "| This Is\n|\n| A Line\n")]
    [InlineData("| This Is\n  {{^boolean}}\n|\n  {{/boolean}}\n| A Line\n", """{"boolean":false}""", "| This Is\n|\n| A Line\n")]
    [InlineData("|\r\n{{^boolean}}\r\n{{/boolean}}\r\n|", """{"boolean":false}""", "|\r\n|")]
    [InlineData("  {{^boolean}}\n^{{/boolean}}\n/", """{"boolean":false}""", "^\n/")]
    [InlineData("^{{^boolean}}\n/\n  {{/boolean}}", """{"boolean":false}""", "^\n/\n")]
    [InlineData("|{{^ boolean }}={{/ boolean }}|", """{"boolean":false}""", "|=|")]
    public void Inverted_sections(string template, string data, string expected) =>
        Assert.Equal(expected, Render(template, data));

    [Theory]
    [InlineData("12345{{! Comment Block! }}67890", "{}", "1234567890")]
    [InlineData("12345{{!\n  This is a\n  multi-line comment...\n}}67890\n", "{}", "1234567890\n")]
    [InlineData("Begin.\n{{! Comment Block! }}\nEnd.\n", "{}", "Begin.\nEnd.\n")]
    [InlineData("Begin.\n  {{! Indented Comment Block! }}\nEnd.\n", "{}", "Begin.\nEnd.\n")]
    [InlineData("|\r\n{{! Standalone Comment }}\r\n|", "{}", "|\r\n|")]
    [InlineData("  {{! I'm Still Standalone }}\n!", "{}", "!")]
    [InlineData("!\n  {{! I'm Still Standalone }}", "{}", "!\n")]
    [InlineData("Begin.\n{{!\nSomething's going on here...\n}}\nEnd.\n", "{}", "Begin.\nEnd.\n")]
    [InlineData("Begin.\n  {{!\n    Something's going on here...\n  }}\nEnd.\n", "{}", "Begin.\nEnd.\n")]
    [InlineData("  12 {{! 34 }}\n", "{}", "  12 \n")]
    [InlineData("12345 {{! Comment Block! }} 67890", "{}", "12345  67890")]
    [InlineData("comments never show: >{{! comment }}<",
        """{"! comment":1,"! comment ":2,"!comment":3,"comment":4}""", "comments never show: ><")]
    public void Comments(string template, string data, string expected) =>
        Assert.Equal(expected, Render(template, data));

    [Theory]
    [InlineData("{{=<% %>=}}(<%text%>)", """{"text":"Hey!"}""", "(Hey!)")]
    [InlineData("({{=[ ]=}}[text])", """{"text":"It worked!"}""", "(It worked!)")]
    [InlineData("[\n{{#section}}\n  {{data}}\n  |data|\n{{/section}}\n\n{{= | | =}}\n|#section|\n  {{data}}\n  |data|\n|/section|\n]\n",
        """{"section":true,"data":"I got interpolated."}""",
        "[\n  I got interpolated.\n  |data|\n\n  {{data}}\n  I got interpolated.\n]\n")]
    [InlineData("[\n{{^section}}\n  {{data}}\n  |data|\n{{/section}}\n\n{{= | | =}}\n|^section|\n  {{data}}\n  |data|\n|/section|\n]\n",
        """{"section":false,"data":"I got interpolated."}""",
        "[\n  I got interpolated.\n  |data|\n\n  {{data}}\n  I got interpolated.\n]\n")]
    [InlineData("| {{=@ @=}} |", "{}", "|  |")]
    [InlineData(" | {{=@ @=}}\n", "{}", " | \n")]
    [InlineData("Begin.\n{{=@ @=}}\nEnd.\n", "{}", "Begin.\nEnd.\n")]
    [InlineData("Begin.\n  {{=@ @=}}\nEnd.\n", "{}", "Begin.\nEnd.\n")]
    [InlineData("|\r\n{{= @ @ =}}\r\n|", "{}", "|\r\n|")]
    [InlineData("  {{=@ @=}}\n=", "{}", "=")]
    [InlineData("=\n  {{=@ @=}}", "{}", "=\n")]
    [InlineData("|{{= @   @ =}}|", "{}", "||")]
    [InlineData("{{=<% %>=}}<%#list%>(<%.%>)<%/list%><%={{ }}=%>{{#list}}[{{.}}]{{/list}}", """{"list":[1,2]}""", "(1)(2)[1][2]")]
    public void Set_delimiters(string template, string data, string expected) =>
        Assert.Equal(expected, Render(template, data));
}
