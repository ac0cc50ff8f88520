using PromptFunctions.Contracts.Routes;
using PromptFunctions.Core.Datasets;

namespace PromptFunctions.LocalHost;

/// <summary>Maps <see cref="DatasetRoutes"/>, as the Functions app's DatasetTriggers do.</summary>
internal static class DatasetEndpoints
{
    public static void Map(IEndpointRouteBuilder endpoints, IServiceProvider services)
    {
        var h = services.GetRequiredService<DatasetsApi>();
        var routes = DatasetRoutes.All;
        endpoints.Map(routes, "ListDatasets", (HttpRequest r) => h.ListDatasets(r));
        endpoints.Map(routes, "GetDataset", (HttpRequest r, string name) => h.GetDataset(r, name));
        endpoints.Map(routes, "CreateDatasetVersion", (HttpRequest r, string name) => h.CreateVersion(r, name));
        endpoints.Map(routes, "ListDatasetVersions", (HttpRequest r, string name) => h.ListVersions(r, name));
        endpoints.Map(routes, "GetDatasetVersion", (HttpRequest r, string name, string id) => h.GetVersion(r, name, id));
        endpoints.Map(routes, "ListDatasetExamples", (HttpRequest r, string name, string id) => h.ListExamples(r, name, id));
    }
}
