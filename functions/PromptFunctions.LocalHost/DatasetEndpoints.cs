using PromptFunctions.Core.Http;
using PromptFunctions.Contracts.Routes;
using PromptFunctions.Core.Datasets;
using PromptFunctions.Core.Prompts;

namespace PromptFunctions.LocalHost;

/// <summary>Maps <see cref="DatasetRoutes.All"/> to the shared handlers, as the Functions app's triggers do.</summary>
public static class DatasetEndpoints
{
    public static void MapDatasetsApi(RouteGroupBuilder api, IServiceProvider services)
    {
        var h = services.GetRequiredService<DatasetsApi>();
        ApiEndpoints.Map(api, "ListDatasets", (HttpRequest r) => h.ListDatasets(r));
        ApiEndpoints.Map(api, "GetDataset", (HttpRequest r, string name) => h.GetDataset(r, name));
        ApiEndpoints.Map(api, "CreateDatasetVersion", (HttpRequest r, string name) => h.CreateVersion(r, name));
        ApiEndpoints.Map(api, "ListDatasetVersions", (HttpRequest r, string name) => h.ListVersions(r, name));
        ApiEndpoints.Map(api, "GetDatasetVersion", (HttpRequest r, string name, string id) => h.GetVersion(r, name, id));
        ApiEndpoints.Map(api, "ListDatasetExamples", (HttpRequest r, string name, string id) => h.ListExamples(r, name, id));
    }
}
