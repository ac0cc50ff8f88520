using Microsoft.AspNetCore.Http;
using Microsoft.Azure.Functions.Worker;
using PromptFunctions.Contracts.Routes;
using PromptFunctions.Core.Prompts;

namespace PromptFunctions.FunctionApp.Triggers;

/// <summary>HTTP adapters for <see cref="TagRoutes"/>: anonymous at the Functions level because the shared handlers check API keys themselves.</summary>
public sealed class TagTriggers(TagsApi api)
{
    [Function("ListTags")]
    public Task<IResult> ListTags([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = TagRoutes.Tags)] HttpRequest request, string name) =>
        api.ListTags(request, name);

    [Function("GetTag")]
    public Task<IResult> GetTag([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = TagRoutes.Tag)] HttpRequest request, string name, string tag) =>
        api.GetTag(request, name, tag);

    [Function("PutTag")]
    public Task<IResult> PutTag([HttpTrigger(AuthorizationLevel.Anonymous, "put", Route = TagRoutes.Tag)] HttpRequest request, string name, string tag) =>
        api.PutTag(request, name, tag);

    [Function("DeleteTag")]
    public Task<IResult> DeleteTag([HttpTrigger(AuthorizationLevel.Anonymous, "delete", Route = TagRoutes.Tag)] HttpRequest request, string name, string tag) =>
        api.DeleteTag(request, name, tag);

    [Function("GetTagHistory")]
    public Task<IResult> GetTagHistory([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = TagRoutes.History)] HttpRequest request, string name, string tag) =>
        api.GetTagHistory(request, name, tag);

    [Function("RollbackTag")]
    public Task<IResult> RollbackTag([HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = TagRoutes.Rollback)] HttpRequest request, string name, string tag) =>
        api.RollbackTag(request, name, tag);
}
