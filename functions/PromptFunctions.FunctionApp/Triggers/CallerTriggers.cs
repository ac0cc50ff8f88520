using Microsoft.AspNetCore.Http;
using Microsoft.Azure.Functions.Worker;
using PromptFunctions.Core.Auth;
using PromptFunctions.Core.Http;

namespace PromptFunctions.FunctionApp.Triggers;

/// <summary>HTTP adapter for <see cref="ApiRoutes.Me"/>.</summary>
public sealed class CallerTriggers(CallerApi api)
{
    [Function("GetCaller")]
    public Task<IResult> Me([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = ApiRoutes.Prefix + "/" + ApiRoutes.Me)] HttpRequest request) =>
        api.Me(request);
}
