using Microsoft.AspNetCore.Http;
using Microsoft.Azure.Functions.Worker;
using PromptFunctions.Contracts.Routes;
using PromptFunctions.Core.Auth;

namespace PromptFunctions.FunctionApp.Triggers;

/// <summary>HTTP adapter for <see cref="CallerRoutes"/>.</summary>
public sealed class CallerTriggers(CallerApi api)
{
    [Function("GetCaller")]
    public Task<IResult> Me([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = CallerRoutes.Me)] HttpRequest request) =>
        api.Me(request);
}
