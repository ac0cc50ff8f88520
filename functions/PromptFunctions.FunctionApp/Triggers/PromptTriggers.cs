using Microsoft.AspNetCore.Http;
using Microsoft.Azure.Functions.Worker;
using PromptFunctions.Core.Http;

namespace PromptFunctions.FunctionApp.Triggers;

/// <summary>
/// HTTP adapters for <see cref="ApiRoutes"/>: anonymous at the Functions level because the shared handlers check
/// API keys themselves, so both hosts authenticate identically.
/// </summary>
public sealed class PromptTriggers(PromptsApi api)
{
    [Function("Health")]
    public Task<IResult> Health([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = ApiRoutes.Health)] HttpRequest request) =>
        api.Health(request);

    [Function("ListPrompts")]
    public Task<IResult> ListPrompts([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = ApiRoutes.Prompts)] HttpRequest request) =>
        api.ListPrompts(request);

    [Function("GetPrompt")]
    public Task<IResult> GetPrompt([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = ApiRoutes.Prompt)] HttpRequest request, string name) =>
        api.GetPrompt(request, name);

    [Function("CreateVersion")]
    public Task<IResult> CreateVersion([HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = ApiRoutes.Versions)] HttpRequest request, string name) =>
        api.CreateVersion(request, name);

    [Function("ListVersions")]
    public Task<IResult> ListVersions([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = ApiRoutes.Versions)] HttpRequest request, string name) =>
        api.ListVersions(request, name);

    [Function("GetVersion")]
    public Task<IResult> GetVersion([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = ApiRoutes.Version)] HttpRequest request, string name, string id) =>
        api.GetVersion(request, name, id);

    [Function("GetVersionVariables")]
    public Task<IResult> GetVersionVariables([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = ApiRoutes.VersionVariables)] HttpRequest request, string name, string id) =>
        api.GetVersionVariables(request, name, id);

    [Function("GetLatest")]
    public Task<IResult> GetLatest([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = ApiRoutes.Latest)] HttpRequest request, string name) =>
        api.GetLatest(request, name);

    [Function("ListTags")]
    public Task<IResult> ListTags([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = ApiRoutes.Tags)] HttpRequest request, string name) =>
        api.ListTags(request, name);

    [Function("GetTag")]
    public Task<IResult> GetTag([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = ApiRoutes.Tag)] HttpRequest request, string name, string tag) =>
        api.GetTag(request, name, tag);

    [Function("PutTag")]
    public Task<IResult> PutTag([HttpTrigger(AuthorizationLevel.Anonymous, "put", Route = ApiRoutes.Tag)] HttpRequest request, string name, string tag) =>
        api.PutTag(request, name, tag);

    [Function("DeleteTag")]
    public Task<IResult> DeleteTag([HttpTrigger(AuthorizationLevel.Anonymous, "delete", Route = ApiRoutes.Tag)] HttpRequest request, string name, string tag) =>
        api.DeleteTag(request, name, tag);

    [Function("GetTagHistory")]
    public Task<IResult> GetTagHistory([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = ApiRoutes.TagHistory)] HttpRequest request, string name, string tag) =>
        api.GetTagHistory(request, name, tag);

    [Function("RollbackTag")]
    public Task<IResult> RollbackTag([HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = ApiRoutes.TagRollback)] HttpRequest request, string name, string tag) =>
        api.RollbackTag(request, name, tag);

    [Function("Render")]
    public Task<IResult> Render([HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = ApiRoutes.Render)] HttpRequest request, string name) =>
        api.Render(request, name);

    [Function("Diff")]
    public Task<IResult> Diff([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = ApiRoutes.Diff)] HttpRequest request, string name) =>
        api.Diff(request, name);

    [Function("Drift")]
    public Task<IResult> Drift([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = ApiRoutes.Drift)] HttpRequest request) =>
        api.Drift(request);
}
