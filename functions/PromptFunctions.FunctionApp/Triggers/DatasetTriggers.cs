using Microsoft.AspNetCore.Http;
using Microsoft.Azure.Functions.Worker;
using PromptFunctions.Core.Http;

namespace PromptFunctions.FunctionApp.Triggers;

/// <summary>HTTP adapters for <see cref="ApiRoutes.DatasetRoutes"/>; the handlers check API keys themselves.</summary>
public sealed class DatasetTriggers(DatasetsApi api)
{
    [Function("ListDatasets")]
    public Task<IResult> ListDatasets([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = ApiRoutes.Datasets)] HttpRequest request) =>
        api.ListDatasets(request);

    [Function("GetDataset")]
    public Task<IResult> GetDataset([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = ApiRoutes.Dataset)] HttpRequest request, string name) =>
        api.GetDataset(request, name);

    [Function("CreateDatasetVersion")]
    public Task<IResult> CreateDatasetVersion([HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = ApiRoutes.DatasetVersions)] HttpRequest request, string name) =>
        api.CreateVersion(request, name);

    [Function("ListDatasetVersions")]
    public Task<IResult> ListDatasetVersions([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = ApiRoutes.DatasetVersions)] HttpRequest request, string name) =>
        api.ListVersions(request, name);

    [Function("GetDatasetVersion")]
    public Task<IResult> GetDatasetVersion([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = ApiRoutes.DatasetVersion)] HttpRequest request, string name, string id) =>
        api.GetVersion(request, name, id);

    [Function("ListDatasetExamples")]
    public Task<IResult> ListDatasetExamples([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = ApiRoutes.DatasetExamples)] HttpRequest request, string name, string id) =>
        api.ListExamples(request, name, id);
}
