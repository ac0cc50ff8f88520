using Microsoft.AspNetCore.Http;
using Microsoft.Azure.Functions.Worker;
using PromptFunctions.Contracts.Routes;
using PromptFunctions.Core.Http;

namespace PromptFunctions.FunctionApp.Triggers;

/// <summary>
/// Takes every request with a method the web page's catch-all (<see cref="WebUiTriggers"/>, GET) does not, on a path
/// no API function takes. The Functions host matches literal and parameter segments before a catch-all (and its own
/// admin and runtime routes before any function), so this only sees what would otherwise get the host's empty 404,
/// and answers it as the local host does: a problem saying 404 (no such route) or 405 (the path exists, the method
/// does not).
/// </summary>
/// <remarks>
/// The name is part of the routing: the Functions host maps HTTP functions in name order, and a catch-all mapped
/// before a route with the same method took its requests (PATCH /api/webhooks/{id} reached this function while it
/// was called UnmatchedRoute, before UpdateWebhook). <see cref="FunctionName"/> sorts after every HTTP function that
/// shares a method with it, which RouteParityTests checks.
/// </remarks>
public sealed class UnmatchedRouteTriggers
{
    public const string FunctionName = "WithoutRoute";

    [Function(FunctionName)]
    public Task<IResult> Unmatched(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", "put", "delete", "patch", "head", "options", Route = WebUiRoutes.Template)] HttpRequest request) =>
        Task.FromResult(UnmatchedRoutes.Answer(request));
}
