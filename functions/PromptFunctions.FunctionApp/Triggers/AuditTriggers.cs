using Microsoft.AspNetCore.Http;
using Microsoft.Azure.Functions.Worker;
using PromptFunctions.Contracts.Routes;
using PromptFunctions.Core.Audit;

namespace PromptFunctions.FunctionApp.Triggers;

/// <summary>HTTP adapter for <see cref="AuditRoutes"/>.</summary>
public sealed class AuditTriggers(AuditApi api)
{
    [Function("ListAudit")]
    public Task<IResult> List([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = AuditRoutes.Audit)] HttpRequest request) =>
        api.List(request);
}
