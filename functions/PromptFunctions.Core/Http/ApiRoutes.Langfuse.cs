namespace PromptFunctions.Core.Http;

public static partial class ApiRoutes
{
    // Langfuse clients call {baseUrl}/api/public/v2/...; with the host root as baseUrl that is our /api prefix.
    public const string LangfusePrompts = "public/v2/prompts";
    public const string LangfusePrompt = "public/v2/prompts/{name}";
    public const string LangfusePromptVersion = "public/v2/prompts/{name}/versions/{version}";

    /// <summary>The Langfuse public prompt API (see README, "Langfuse compatibility").</summary>
    public static readonly IReadOnlyList<RouteDefinition> Langfuse =
    [
        new("LangfuseListPrompts", "GET", LangfusePrompts),
        new("LangfuseCreatePrompt", "POST", LangfusePrompts),
        new("LangfuseGetPrompt", "GET", LangfusePrompt),
        new("LangfuseDeletePrompt", "DELETE", LangfusePrompt),
        new("LangfuseUpdatePromptVersion", "PATCH", LangfusePromptVersion),
    ];
}
