namespace PromptFunctions.Core.Http;

public static partial class ApiRoutes
{
    /// <summary>
    /// The web page: every GET the API does not answer, at the site root (outside the <c>/api</c> prefix). It is
    /// not part of <see cref="All"/>, which lists the API.
    /// </summary>
    public static readonly RouteDefinition WebUi = new("WebUi", "GET", WebUiTemplate);

    public const string WebUiTemplate = "{*path}";
}
