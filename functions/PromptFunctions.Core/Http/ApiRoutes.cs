namespace PromptFunctions.Core.Http;

/// <summary>
/// Every route of the HTTP API, defined once. Templates are relative to the <c>/api</c> prefix, which the
/// Functions host adds from host.json and the local host adds with a route group. A test checks that both
/// hosts expose exactly <see cref="All"/>. Each API area keeps its own list in its own file.
/// </summary>
public static partial class ApiRoutes
{
    public static IReadOnlyList<RouteDefinition> All => [.. Native, .. CallerRoutes, .. Phoenix, .. Langfuse, .. DatasetRoutes, .. ExperimentRoutes];

    public const string Prefix = "api";

    public const string Health = "health";
    public const string Prompts = "prompts";
    public const string Prompt = "prompts/{name}";
    public const string Versions = "prompts/{name}/versions";
    public const string Version = "prompts/{name}/versions/{id}";
    public const string VersionVariables = "prompts/{name}/versions/{id}/variables";
    public const string Latest = "prompts/{name}/latest";
    public const string Tags = "prompts/{name}/tags";
    public const string Tag = "prompts/{name}/tags/{tag}";
    public const string TagHistory = "prompts/{name}/tags/{tag}/history";
    public const string TagRollback = "prompts/{name}/tags/{tag}/rollback";
    public const string Render = "prompts/{name}/render";
    public const string Diff = "prompts/{name}/diff";
    public const string Drift = "tags";

    /// <summary>The native prompt hub API.</summary>
    public static readonly IReadOnlyList<RouteDefinition> Native =
    [
        new("Health", "GET", Health),
        new("ListPrompts", "GET", Prompts),
        new("GetPrompt", "GET", Prompt),
        new("CreateVersion", "POST", Versions),
        new("ListVersions", "GET", Versions),
        new("GetVersion", "GET", Version),
        new("GetVersionVariables", "GET", VersionVariables),
        new("GetLatest", "GET", Latest),
        new("ListTags", "GET", Tags),
        new("GetTag", "GET", Tag),
        new("PutTag", "PUT", Tag),
        new("DeleteTag", "DELETE", Tag),
        new("GetTagHistory", "GET", TagHistory),
        new("RollbackTag", "POST", TagRollback),
        new("Render", "POST", Render),
        new("Diff", "GET", Diff),
        new("Drift", "GET", Drift),
    ];
}

/// <param name="Name">The Functions function name and the local host's endpoint name.</param>
public sealed record RouteDefinition(string Name, string Method, string Template);
