using Microsoft.DurableTask.Client;
using PromptFunctions.Contracts.Routes;
using PromptFunctions.Core.Experiments;

namespace PromptFunctions.LocalHost;

/// <summary>Maps <see cref="ExperimentRoutes"/>, as the Functions app's ExperimentTriggers do.</summary>
internal static class ExperimentEndpoints
{
    /// <summary>The in-process engine's client stands in for the Functions <c>[DurableClient]</c> binding.</summary>
    public static void Map(IEndpointRouteBuilder endpoints, IServiceProvider services)
    {
        var h = services.GetRequiredService<ExperimentsApi>();
        var playground = services.GetRequiredService<PlaygroundApi>();
        var durable = services.GetRequiredService<DurableTaskClient>();
        var routes = ExperimentRoutes.All;
        endpoints.Map(routes, "StartExperiment", (HttpRequest r) => h.Start(r, durable));
        endpoints.Map(routes, "ListExperiments", (HttpRequest r) => h.List(r));
        endpoints.Map(routes, "CompareExperiments", (HttpRequest r) => h.Compare(r));
        endpoints.Map(routes, "GetExperiment", (HttpRequest r, string id) => h.Get(r, id));
        endpoints.Map(routes, "ListExperimentRows", (HttpRequest r, string id) => h.Rows(r, id));
        endpoints.Map(routes, "ExportExperiment", (HttpRequest r, string id) => h.Export(r, id));
        endpoints.Map(routes, "CancelExperiment", (HttpRequest r, string id) => h.Cancel(r, id, durable));
        endpoints.Map(routes, "PromoteExperiment", (HttpRequest r, string id) => h.Promote(r, id));
        endpoints.Map(routes, "RunPlayground", (HttpRequest r) => playground.Run(r));
    }
}
