using System.Text.Json;
using System.Text.Json.Nodes;
using CsCheck;
using PromptFunctions.Prompts.Json;
using PromptFunctions.Prompts.Model;
using PromptFunctions.Prompts.Rendering;
using PromptFunctions.Prompts.Templating;

namespace PromptFunctions.Prompts.Tests.Fuzz;

/// <summary>
/// Issue 13's property tests: whatever the input, the JSON reader, the version reader and the template engines
/// answer with a value or a validation fault of their own kind, never another exception, and a render never exceeds
/// its limits. CsCheck prints the seed of a failing case, so any failure can be replayed with <c>seed:</c>.
/// </summary>
public sealed class ReaderAndEnginePropertyTests
{
    private static readonly JsonDocumentOptions Strict = new() { MaxDepth = 64, AllowDuplicateProperties = false };

    [Fact]
    public void The_json_reader_yields_a_value_or_faults_with_paths_never_another_exception()
    {
        HostileJson.Bytes(HostileJson.Value).Sample(bytes =>
        {
            var faults = new List<ValidationFault>();
            JsonNode? node;
            bool valid;
            try
            {
                node = JsonInput.ParseNode(bytes, Strict, "$", faults, out valid);
            }
            catch (JsonException)
            {
                return; // Not JSON: the API answers 400.
            }
            if (!valid)
            {
                Assert.NotEmpty(faults);
                Assert.All(faults, f => Assert.StartsWith("$", f.Path));
                Assert.All(faults, f => Assert.Contains(f.Code, new[] { JsonInput.NonFiniteNumberCode, JsonInput.InvalidTextCode }));
                return;
            }
            Assert.Empty(faults);
            // What the reader accepts has a canonical form, so it has a content id.
            var canonical = CanonicalJson.Serialize(node);
            Assert.Equal(canonical, CanonicalJson.Serialize(JsonNode.Parse(canonical)));
        }, iter: 5000);
    }

    [Fact]
    public void The_version_reader_yields_a_version_or_validation_faults_never_another_exception()
    {
        var versions = Gen.Frequency(
            (1, HostileJson.Object),
            (3, Gen.Select(VersionTemplate, HostileJson.Value, HostileJson.Value, Gen.OneOf("mustache", "f_string", "none", "jinja")).Select((template, parameters, metadata, format) =>
                $$"""{"template":{{template}},"template_format":"{{format}}","invocation_parameters":{{parameters}},"metadata":{{metadata}}}""")));

        HostileJson.Bytes(versions).Sample(bytes =>
        {
            var faults = new List<ValidationFault>();
            JsonNode? node;
            try
            {
                node = JsonInput.ParseNode(bytes, Strict, "$", faults, out var valid);
                if (!valid) return;
            }
            catch (JsonException)
            {
                return;
            }
            PromptVersionContent content;
            try
            {
                content = PromptVersionJson.Parse(node);
            }
            catch (PromptValidationException e)
            {
                Assert.All(e.Faults, f => Assert.StartsWith("$", f.Path));
                return;
            }
            var id = PromptVersionJson.ComputeId(content);
            Assert.Equal(id, PromptVersionJson.ComputeId(PromptVersionJson.Parse(PromptVersionJson.ToJson(content))));
        }, iter: 5000);
    }

    /// <summary>Template text from an alphabet that is mostly syntax, so most samples are near-misses of valid templates.</summary>
    private static readonly Gen<string> TemplateText = Gen.Frequency(
        (3, Gen.OneOf("{", "}", "{{", "}}", "{{{", "}}}", "#", "/", "^", "!", ">", "&", "=", ":", ".", "[", "]", "0", "9", "a", "b", "x", "l", " ", "\n",
                "{{#l}}", "{{/l}}", "{{^l}}", "{{.}}", "{{x}}", "{a}", "{x:>50}", "{x!r}", "{l[0]}", "{a.b}", "{x:{a}}", "{{=<% %>=}}", "{n:,}", "{n:b}", "{n:x}", "{x:.0}")),
        (1, Gen.Char.Select(c => c.ToString())))
        .Array[0, 40].Select(parts => string.Concat(parts));

    private static readonly Gen<string> VersionTemplate = TemplateText.Select(t => JsonSerializer.Serialize(t));

    /// <summary>Variables the reader accepts (finite numbers, Unicode text), some large, some lists to iterate.</summary>
    private static readonly Gen<JsonObject> Variables = Gen.Select(HostileJson.Value.Array[0, 4], Gen.Int[0, 300], Gen.Int[0, 2000]).Select((values, listLength, textLength) =>
    {
        var variables = new JsonObject
        {
            ["l"] = new JsonArray(Enumerable.Range(0, listLength).Select(i => (JsonNode?)i).ToArray()),
            ["x"] = new string('x', textLength),
            ["n"] = JsonNode.Parse("12345678901234567890"),
        };
        foreach (var (value, i) in values.Select((v, i) => (v, i)))
        {
            // Only what the API's reader passes on: I-JSON, and no repeated member names.
            var faults = new List<ValidationFault>();
            try
            {
                var node = JsonInput.ParseNode(System.Text.Encoding.UTF8.GetBytes(value), Strict, "$", faults, out var valid);
                if (valid) variables[i switch { 0 => "a", 1 => "b", 2 => "x", _ => "n" }] = node;
            }
            catch (JsonException)
            {
            }
        }
        return variables;
    });

    [Theory]
    [InlineData(TemplateFormat.Mustache)]
    [InlineData(TemplateFormat.FString)]
    [InlineData(TemplateFormat.None)]
    public void Every_engine_renders_within_its_limits_or_reports_a_template_fault(TemplateFormat format)
    {
        var engine = TemplateEngines.For(format);
        var limits = new RenderLimits(MaxOutputChars: 5_000, MaxWork: 200_000);

        Gen.Select(TemplateText, Variables).Sample((template, variables) =>
        {
            try
            {
                engine.GetVariables(template);
            }
            catch (TemplateSyntaxException e)
            {
                Assert.InRange(e.Offset, 0, template.Length);
                return;
            }
            var budget = new RenderBudget(limits);
            try
            {
                var result = engine.Render(template, variables, budget);
                Assert.True(result.Text.Length <= limits.MaxOutputChars, $"rendered {result.Text.Length} characters");
                Assert.True(budget.OutputChars <= limits.MaxOutputChars && budget.Work <= limits.MaxWork, $"output {budget.OutputChars}, work {budget.Work}");
            }
            catch (TemplateSyntaxException e)
            {
                // Errors Python raises while formatting a value (f-strings) surface at the field's offset.
                Assert.InRange(e.Offset, 0, template.Length);
            }
            catch (RenderLimitException e)
            {
                Assert.True(budget.OutputChars > limits.MaxOutputChars || budget.Work > limits.MaxWork, e.Message);
            }
        }, iter: 5000);
    }
}
