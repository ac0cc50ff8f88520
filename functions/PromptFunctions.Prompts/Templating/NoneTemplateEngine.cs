using System.Text.Json.Nodes;

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

    public TemplateRenderResult Render(string template, JsonObject variables)
    {
        ArgumentNullException.ThrowIfNull(template);
        ArgumentNullException.ThrowIfNull(variables);
        return new TemplateRenderResult(template, []);
    }
}
