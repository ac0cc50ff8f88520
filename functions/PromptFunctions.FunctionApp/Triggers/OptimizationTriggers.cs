using Microsoft.AspNetCore.Http;
using Microsoft.Azure.Functions.Worker;
using Microsoft.DurableTask.Client;
using PromptFunctions.Contracts.Routes;
using PromptFunctions.Core.Optimization;

namespace PromptFunctions.FunctionApp.Triggers;

/// <summary>HTTP adapters for the optimization routes; the Durable client comes from the Functions binding.</summary>
public sealed class OptimizationTriggers(OptimizationsApi api)
{
    [Function("StartOptimization")]
    public Task<IResult> Start([HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = OptimizationRoutes.Optimizations)] HttpRequest request, [DurableClient] DurableTaskClient durable) =>
        api.Start(request, durable);

    [Function("ListOptimizations")]
    public Task<IResult> List([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = OptimizationRoutes.Optimizations)] HttpRequest request) =>
        api.List(request);

    [Function("GetOptimization")]
    public Task<IResult> Get([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = OptimizationRoutes.Optimization)] HttpRequest request, string id) =>
        api.Get(request, id);

    [Function("CancelOptimization")]
    public Task<IResult> Cancel([HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = OptimizationRoutes.Cancel)] HttpRequest request, string id, [DurableClient] DurableTaskClient durable) =>
        api.Cancel(request, id, durable);

    [Function("AcceptOptimization")]
    public Task<IResult> Accept([HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = OptimizationRoutes.Accept)] HttpRequest request, string id) =>
        api.Accept(request, id);

    [Function("DismissOptimization")]
    public Task<IResult> Dismiss([HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = OptimizationRoutes.Dismiss)] HttpRequest request, string id) =>
        api.Dismiss(request, id);

    [Function("OptimizeHook")]
    public Task<IResult> Hook([HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = OptimizationRoutes.Hook)] HttpRequest request, [DurableClient] DurableTaskClient durable) =>
        api.Hook(request, durable);
}
