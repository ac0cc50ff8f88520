using Microsoft.AspNetCore.Http;
using Microsoft.Azure.Functions.Worker;
using PromptFunctions.Contracts.Routes;
using PromptFunctions.Core.Web;

namespace PromptFunctions.FunctionApp.Triggers;

/// <summary>
/// The web page at the site root. A catch-all route ranks below every literal and parameter route, so the API's
/// own functions still answer their paths; <see cref="StaticSite"/> answers the rest of <c>/api</c> with a 404.
/// </summary>
public sealed class WebUiTriggers(StaticSite site)
{
    [Function("WebUi")]
    public Task<IResult> Serve([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = WebUiRoutes.Template)] HttpRequest request, string? path) =>
        site.ServeAsync(request, path);
}
