namespace PromptFunctions.Core.Http;

public static partial class ApiRoutes
{
    public const string PhoenixVersion = "arize_phoenix_version";
    public const string PhoenixPrompts = "v1/prompts";
    public const string PhoenixPrompt = "v1/prompts/{promptIdentifier}";
    public const string PhoenixPromptVersions = "v1/prompts/{promptIdentifier}/versions";
    public const string PhoenixPromptLatest = "v1/prompts/{promptIdentifier}/latest";
    public const string PhoenixPromptTag = "v1/prompts/{promptIdentifier}/tags/{tagName}";
    public const string PhoenixVersionById = "v1/prompt_versions/{promptVersionId}";
    public const string PhoenixVersionTags = "v1/prompt_versions/{promptVersionId}/tags";
    public const string PhoenixVersionTag = "v1/prompt_versions/{promptVersionId}/tags/{tagName}";

    /// <summary>
    /// The Arize Phoenix REST prompt API over the same stores, so that Phoenix clients work with
    /// <c>PHOENIX_HOST=&lt;host&gt;/api</c> unchanged.
    /// </summary>
    public static readonly IReadOnlyList<RouteDefinition> Phoenix =
    [
        new("PhoenixServerVersion", "GET", PhoenixVersion),
        new("PhoenixListPrompts", "GET", PhoenixPrompts),
        new("PhoenixCreatePrompt", "POST", PhoenixPrompts),
        new("PhoenixPatchPrompt", "PATCH", PhoenixPrompt),
        new("PhoenixDeletePrompt", "DELETE", PhoenixPrompt),
        new("PhoenixListPromptVersions", "GET", PhoenixPromptVersions),
        new("PhoenixGetLatest", "GET", PhoenixPromptLatest),
        new("PhoenixGetByTag", "GET", PhoenixPromptTag),
        new("PhoenixGetVersion", "GET", PhoenixVersionById),
        new("PhoenixListVersionTags", "GET", PhoenixVersionTags),
        new("PhoenixCreateVersionTag", "POST", PhoenixVersionTags),
        new("PhoenixDeleteVersionTag", "DELETE", PhoenixVersionTag),
    ];
}
