using Microsoft.AspNetCore.Http;
using Microsoft.Azure.Functions.Worker;
using PromptFunctions.Contracts.Routes;
using PromptFunctions.Core.Health;

namespace PromptFunctions.FunctionApp.Triggers;

/// <summary>HTTP adapter for <see cref="HealthRoutes"/>; anonymous, as the handler needs no key.</summary>
public sealed class HealthTriggers(HealthApi api)
{
    [Function("Health")]
    public Task<IResult> Health([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = HealthRoutes.Health)] HttpRequest request) =>
        api.Health(request);
}
