using Microsoft.AspNetCore.Http;
using Microsoft.Azure.Functions.Worker;
using PromptFunctions.Core.Http;

namespace PromptFunctions.FunctionApp.Triggers;

/// <summary>
/// Takes every request under the route prefix that no API function takes. The Functions host routes literal and
/// parameter segments before a catch-all, so this only sees what would otherwise get the host's empty 404, and
/// answers it as the local host does: a problem saying 404 (no such route) or 405 (route exists, method does not).
/// </summary>
public sealed class UnmatchedRouteTrigger
{
    public const string Route = "{*path}";

    [Function("UnmatchedRoute")]
    public Task<IResult> Unmatched(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", "post", "put", "delete", "patch", "head", "options", Route = Route)] HttpRequest request) =>
        Task.FromResult(UnmatchedRoutes.Answer(request));
}
