using System.Text.Json.Nodes;
using PromptFunctions.Prompts.Rendering;

namespace PromptFunctions.Prompts.Templating;

/// <summary>How the text of a prompt template marks its variables.</summary>
public enum TemplateFormat
{
    /// <summary>Mustache (https://mustache.github.io/mustache.5.html), without HTML escaping.</summary>
    Mustache,
    /// <summary>Python <c>str.format</c> rules: <c>{name}</c>, <c>{{</c> and <c>}}</c> escape braces.</summary>
    FString,
    /// <summary>Text is used verbatim.</summary>
    None,
}

/// <summary>Renders template text with JSON variables. Implementations are stateless and thread-safe.</summary>
public interface ITemplateEngine
{
    TemplateFormat Format { get; }

    /// <summary>
    /// Names of the variables the template reads, as the caller must supply them: top-level names only
    /// (<c>user</c> for <c>{{user.name}}</c>), in order of first appearance, without duplicates. Names used only
    /// inside a mustache section that resolve against the section's own item are still listed, because the
    /// engine cannot know the shape of the data in advance.
    /// </summary>
    /// <exception cref="TemplateSyntaxException">The template does not parse.</exception>
    IReadOnlyList<string> GetVariables(string template);

    /// <summary>Renders <paramref name="template"/>; missing variables render as empty text and are reported.</summary>
    /// <exception cref="TemplateSyntaxException">The template does not parse.</exception>
    /// <exception cref="RenderLimitException">The render would exceed <see cref="RenderLimits.Default"/>.</exception>
    TemplateRenderResult Render(string template, JsonObject variables);

    /// <summary>
    /// Renders <paramref name="template"/> within <paramref name="budget"/>, which the caller shares between the texts
    /// of one prompt; the result's text is counted as output.
    /// </summary>
    /// <exception cref="TemplateSyntaxException">The template does not parse.</exception>
    /// <exception cref="RenderLimitException">The render would exceed the budget's limits.</exception>
    TemplateRenderResult Render(string template, JsonObject variables, RenderBudget budget);
}

/// <param name="Text">The rendered text.</param>
/// <param name="MissingVariables">
/// Every variable the rendering looked up and did not find, as written in the template (dotted for mustache,
/// the field name for f-strings), in order of first lookup, without duplicates.
/// </param>
public sealed record TemplateRenderResult(string Text, IReadOnlyList<string> MissingVariables);

/// <summary>A template that cannot be parsed. <see cref="Offset"/> is the 0-based character offset of the fault.</summary>
public sealed class TemplateSyntaxException(string message, int offset) : Exception(message)
{
    public int Offset { get; } = offset;
}
