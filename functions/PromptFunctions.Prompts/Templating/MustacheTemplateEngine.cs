using System.Text.Json.Nodes;
using PromptFunctions.Prompts.Rendering;
using PromptFunctions.Prompts.Templating.Mustache;

namespace PromptFunctions.Prompts.Templating;

/// <summary>
/// Mustache (spec v1.3 core: interpolation, sections, inverted sections, comments, set delimiters) rendered by
/// Stubble, with these choices for prompts:
/// <list type="bullet">
/// <item>No HTML escaping: <c>{{x}}</c>, <c>{{{x}}}</c> and <c>{{&amp; x}}</c> render the same text.</item>
/// <item>Values render as: strings verbatim; numbers as their JSON text (<c>1.50</c> stays <c>1.50</c>, never
/// culture-formatted); booleans as <c>true</c>/<c>false</c>; null as empty text; objects and arrays interpolated
/// directly as compact JSON.</item>
/// <item>Truthiness follows mustache.js: <c>false</c>, <c>null</c>, missing, <c>0</c>, <c>""</c> and <c>[]</c> are
/// falsy; <c>{}</c>, <c>"0"</c> and <c>"false"</c> are truthy.</item>
/// <item>A list element can be read by index: <c>{{items.0}}</c>.</item>
/// <item>Partials (<c>{{&gt; name}}</c>) are a <see cref="TemplateSyntaxException"/>: prompts are self-contained.</item>
/// <item>A variable that is present with the value null is not missing; it renders empty and is falsy.</item>
/// </list>
/// </summary>
public sealed class MustacheTemplateEngine : ITemplateEngine
{
    public TemplateFormat Format => TemplateFormat.Mustache;

    public IReadOnlyList<string> GetVariables(string template)
    {
        ArgumentNullException.ThrowIfNull(template);
        return VariableNameCollector.Collect(MustacheTemplateParser.Parse(template));
    }

    public TemplateRenderResult Render(string template, JsonObject variables) => Render(template, variables, RenderBudget.WithDefaults());

    public TemplateRenderResult Render(string template, JsonObject variables, RenderBudget budget)
    {
        ArgumentNullException.ThrowIfNull(template);
        ArgumentNullException.ThrowIfNull(variables);
        ArgumentNullException.ThrowIfNull(budget);
        var parsed = MustacheTemplateParser.Parse(template);
        // The view is built once per render, however many messages of the prompt use it.
        var view = budget.View(variables, v =>
        {
            budget.Charge(RenderBudget.SizeOf(v));
            return MustacheView.FromJson(v);
        });
        var text = StubbleMustacheRenderer.Render(parsed, view, budget);
        return new TemplateRenderResult(text, MissingVariableCollector.Collect(parsed, view, budget));
    }
}
