using System.Text;
using System.Text.Json.Nodes;
using PromptFunctions.Prompts.Rendering;
using PromptFunctions.Prompts.Templating.FString;

namespace PromptFunctions.Prompts.Templating;

/// <summary>
/// Python <c>str.format</c> templates, rendered as Python would render <c>template.format(**json.loads(variables))</c>:
/// <list type="bullet">
/// <item>Syntax is Python's exactly (<c>{{</c>/<c>}}</c> escapes, <c>{name.attr[index]!conversion:spec}</c>, one level
/// of nested fields in a spec), with Python's messages. <c>{}</c> and <c>{0}</c> are errors: there are no positional
/// arguments.</item>
/// <item>Values are formatted as the Python value <c>json.loads</c> gives: str() by default (<c>True</c>, <c>None</c>,
/// <c>1.0</c>, <c>{'a': [1, None]}</c>), with the full format-spec mini-language for str, int, bool and float.</item>
/// <item>Errors Python raises while formatting a value (<c>Unknown format code 'd' for object of type 'str'</c>, or a
/// format spec on a list) depend on the value, so <see cref="ITemplateEngine.GetVariables"/> cannot see them; Render
/// throws them as <see cref="TemplateSyntaxException"/> at the offset of the field.</item>
/// <item>A field whose variable, path or nested spec field is missing renders as empty text (its format spec is not
/// applied) and its whole field name is reported, e.g. <c>user.name</c> or <c>items[3]</c>.</item>
/// <item>See <see cref="FieldResolver"/> for how <c>.attr</c> and <c>[index]</c> apply to JSON.</item>
/// </list>
/// </summary>
public sealed class FStringTemplateEngine : ITemplateEngine
{
    public TemplateFormat Format => TemplateFormat.FString;

    public IReadOnlyList<string> GetVariables(string template)
    {
        ArgumentNullException.ThrowIfNull(template);
        var names = new List<string>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var field in Fields(FStringParser.Parse(template)))
        {
            if (seen.Add(field.Name.ArgName)) names.Add(field.Name.ArgName);
        }
        return names;
    }

    public TemplateRenderResult Render(string template, JsonObject variables) => Render(template, variables, RenderBudget.WithDefaults());

    public TemplateRenderResult Render(string template, JsonObject variables, RenderBudget budget)
    {
        ArgumentNullException.ThrowIfNull(template);
        ArgumentNullException.ThrowIfNull(variables);
        ArgumentNullException.ThrowIfNull(budget);
        var rendering = new Rendering(variables, budget);
        var text = rendering.Render(FStringParser.Parse(template), out _, isOutput: true);
        return new TemplateRenderResult(text, rendering.Missing);
    }

    /// <summary>Every field in order of appearance, a field before the fields nested in its format spec.</summary>
    private static IEnumerable<FStringField> Fields(FStringTemplate template)
    {
        foreach (var field in template.Segments.OfType<FStringField>())
        {
            yield return field;
            foreach (var nested in Fields(field.FormatSpec)) yield return nested;
        }
    }

    private sealed class Rendering(JsonObject variables, RenderBudget budget)
    {
        private readonly List<string> missing = [];
        private readonly HashSet<string> reported = new(StringComparer.Ordinal);

        // One conversion per JSON node and render (all messages of a prompt): repeating {big} converts it once.
        private readonly Dictionary<JsonNode, PyValue> converted =
            budget.View(variables, static _ => new Dictionary<JsonNode, PyValue>(ReferenceEqualityComparer.Instance));

        public IReadOnlyList<string> Missing => missing;

        /// <param name="template">The template or a nested format spec.</param>
        /// <param name="complete">False when some field in it was missing and rendered empty.</param>
        /// <param name="isOutput">True for the template itself, whose text is the rendered output; false for a spec.</param>
        public string Render(FStringTemplate template, out bool complete, bool isOutput = false)
        {
            var text = new StringBuilder();
            complete = true;
            foreach (var segment in template.Segments)
            {
                budget.Step();
                string? piece = null;
                if (segment is FStringLiteral literal) piece = literal.Text;
                else if (TryRenderField((FStringField)segment, out var rendered)) piece = rendered;
                else complete = false;
                if (piece is null) continue;
                if (isOutput) budget.Output(piece.Length);
                else budget.Charge(piece.Length);
                text.Append(piece);
            }
            return text.ToString();
        }

        /// <summary>
        /// Python's order: look the value up, convert it, expand the spec, format. The spec is expanded even when
        /// the value is missing, so that missing names inside it are reported too.
        /// </summary>
        private bool TryRenderField(FStringField field, out string rendered)
        {
            rendered = "";
            try
            {
                var found = FieldResolver.TryResolve(variables, field.Name, Convert, out var value);
                if (!found) Report(field.Name.Text);

                var spec = Render(field.FormatSpec, out var specComplete);
                if (!found || !specComplete) return false;

                var text = field.Conversion switch
                {
                    's' => PyText.Str(value),
                    'r' => PyText.Repr(value),
                    'a' => PyText.Ascii(value),
                    _ => null,
                };
                if (text is not null) budget.Charge(text.Length);
                rendered = PyFormatter.Format(text is null ? value : new PyStr(text), spec);
                return true;
            }
            catch (PyFormatException e)
            {
                throw new TemplateSyntaxException(e.Message, field.Offset);
            }
        }

        private PyValue Convert(JsonNode? node)
        {
            if (node is null) return PyNone.Instance;
            if (converted.TryGetValue(node, out var value)) return value;
            budget.Charge(RenderBudget.SizeOf(node));
            value = PyValue.FromJson(node);
            converted[node] = value;
            return value;
        }

        private void Report(string name)
        {
            if (reported.Add(name)) missing.Add(name);
        }
    }
}
