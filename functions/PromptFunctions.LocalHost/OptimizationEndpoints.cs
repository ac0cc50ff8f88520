using Microsoft.DurableTask.Client;
using PromptFunctions.Contracts.Routes;
using PromptFunctions.Core.Optimization;

namespace PromptFunctions.LocalHost;

/// <summary>Maps <see cref="OptimizationRoutes"/>, as the Functions app's OptimizationTriggers do.</summary>
internal static class OptimizationEndpoints
{
    /// <summary>The in-process engine's client stands in for the Functions <c>[DurableClient]</c> binding.</summary>
    public static void Map(IEndpointRouteBuilder endpoints, IServiceProvider services)
    {
        var h = services.GetRequiredService<OptimizationsApi>();
        var durable = services.GetRequiredService<DurableTaskClient>();
        var routes = OptimizationRoutes.All;
        endpoints.Map(routes, "StartOptimization", (HttpRequest r) => h.Start(r, durable));
        endpoints.Map(routes, "ListOptimizations", (HttpRequest r) => h.List(r));
        endpoints.Map(routes, "GetOptimization", (HttpRequest r, string id) => h.Get(r, id));
        endpoints.Map(routes, "CancelOptimization", (HttpRequest r, string id) => h.Cancel(r, id, durable));
        endpoints.Map(routes, "AcceptOptimization", (HttpRequest r, string id) => h.Accept(r, id));
        endpoints.Map(routes, "DismissOptimization", (HttpRequest r, string id) => h.Dismiss(r, id));
        endpoints.Map(routes, "OptimizeHook", (HttpRequest r) => h.Hook(r, durable));
    }
}
