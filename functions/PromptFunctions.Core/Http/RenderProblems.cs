using System.Text.Json.Nodes;
using PromptFunctions.Prompts.Rendering;

namespace PromptFunctions.Core.Http;

/// <summary>How a render that hit its limits is reported: by the API as a 422, by experiment rows as their error.</summary>
public static class RenderProblems
{
    /// <summary>The setting that raises the limit <paramref name="e"/> hit.</summary>
    public static string Setting(RenderLimitException e) =>
        e.Kind == RenderLimitKind.Output ? "PromptHub:MaxRenderedChars" : "PromptHub:MaxRenderWork";

    /// <summary>The text experiment and playground rows record.</summary>
    public static string RowError(RenderLimitException e) => $"render failed: {e.Message} ({Setting(e)})";

    public static ProblemException From(RenderLimitException e) => new(422, "Render limit exceeded",
        $"The prompt was not rendered: {e.Message} ({Setting(e)}). Check the template for repeated large variables, wide format specs or sections nested over one list.",
        [new PromptFunctions.Prompts.Model.ValidationFault("$.variables", e.Message)],
        new JsonObject { ["limit"] = e.Limit, ["setting"] = Setting(e) });
}
