using Microsoft.DurableTask.Client;
using PromptFunctions.Core.Experiments;

namespace PromptFunctions.LocalHost;

internal static class ExperimentEndpoints
{
    /// <summary>The in-process engine's client stands in for the Functions <c>[DurableClient]</c> binding.</summary>
    public static void MapExperimentApi(RouteGroupBuilder api, IServiceProvider services)
    {
        var h = services.GetRequiredService<ExperimentsApi>();
        var playground = services.GetRequiredService<PlaygroundApi>();
        var durable = services.GetRequiredService<DurableTaskClient>();
        ApiEndpoints.Map(api, "StartExperiment", (HttpRequest r) => h.Start(r, durable));
        ApiEndpoints.Map(api, "ListExperiments", (HttpRequest r) => h.List(r));
        ApiEndpoints.Map(api, "CompareExperiments", (HttpRequest r) => h.Compare(r));
        ApiEndpoints.Map(api, "GetExperiment", (HttpRequest r, string id) => h.Get(r, id));
        ApiEndpoints.Map(api, "ListExperimentRows", (HttpRequest r, string id) => h.Rows(r, id));
        ApiEndpoints.Map(api, "ExportExperiment", (HttpRequest r, string id) => h.Export(r, id));
        ApiEndpoints.Map(api, "CancelExperiment", (HttpRequest r, string id) => h.Cancel(r, id, durable));
        ApiEndpoints.Map(api, "PromoteExperiment", (HttpRequest r, string id) => h.Promote(r, id));
        ApiEndpoints.Map(api, "RunPlayground", (HttpRequest r) => playground.Run(r));
    }
}
