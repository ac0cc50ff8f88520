using System.Text.Json.Nodes;
using PromptFunctions.Prompts.Rendering;

namespace PromptFunctions.Prompts.Templating;

/// <summary>Uses the text verbatim: no variables, no syntax, nothing can be missing.</summary>
public sealed class NoneTemplateEngine : ITemplateEngine
{
    public TemplateFormat Format => TemplateFormat.None;

    public IReadOnlyList<string> GetVariables(string template)
    {
        ArgumentNullException.ThrowIfNull(template);
        return [];
    }

    public TemplateRenderResult Render(string template, JsonObject variables) => Render(template, variables, RenderBudget.WithDefaults());

    public TemplateRenderResult Render(string template, JsonObject variables, RenderBudget budget)
    {
        ArgumentNullException.ThrowIfNull(template);
        ArgumentNullException.ThrowIfNull(variables);
        ArgumentNullException.ThrowIfNull(budget);
        budget.Output(template.Length);
        return new TemplateRenderResult(template, []);
    }
}
