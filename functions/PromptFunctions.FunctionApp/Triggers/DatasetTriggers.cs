using Microsoft.AspNetCore.Http;
using Microsoft.Azure.Functions.Worker;
using PromptFunctions.Core.Http;
using PromptFunctions.Contracts.Routes;
using PromptFunctions.Core.Datasets;
using PromptFunctions.Core.Prompts;

namespace PromptFunctions.FunctionApp.Triggers;

/// <summary>HTTP adapters for <see cref="DatasetRoutes.All"/>; the handlers check API keys themselves.</summary>
public sealed class DatasetTriggers(DatasetsApi api)
{
    [Function("ListDatasets")]
    public Task<IResult> ListDatasets([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = DatasetRoutes.Datasets)] HttpRequest request) =>
        api.ListDatasets(request);

    [Function("GetDataset")]
    public Task<IResult> GetDataset([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = DatasetRoutes.Dataset)] HttpRequest request, string name) =>
        api.GetDataset(request, name);

    [Function("CreateDatasetVersion")]
    public Task<IResult> CreateDatasetVersion([HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = DatasetRoutes.Versions)] HttpRequest request, string name) =>
        api.CreateVersion(request, name);

    [Function("ListDatasetVersions")]
    public Task<IResult> ListDatasetVersions([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = DatasetRoutes.Versions)] HttpRequest request, string name) =>
        api.ListVersions(request, name);

    [Function("GetDatasetVersion")]
    public Task<IResult> GetDatasetVersion([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = DatasetRoutes.Version)] HttpRequest request, string name, string id) =>
        api.GetVersion(request, name, id);

    [Function("ListDatasetExamples")]
    public Task<IResult> ListDatasetExamples([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = DatasetRoutes.Examples)] HttpRequest request, string name, string id) =>
        api.ListExamples(request, name, id);
}
