namespace PromptFunctions.Core.Http;

public static partial class ApiRoutes
{
    public const string Me = "me";

    /// <summary>What the calling key is and may do.</summary>
    public static readonly IReadOnlyList<RouteDefinition> CallerRoutes =
    [
        new("GetCaller", "GET", Me),
    ];
}
