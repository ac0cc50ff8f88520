using Microsoft.AspNetCore.Http;
using Microsoft.Azure.Functions.Worker;
using PromptFunctions.Core.Http;
using PromptFunctions.Core.Http.Phoenix;

namespace PromptFunctions.FunctionApp.Triggers;

/// <summary>HTTP adapters for <see cref="ApiRoutes.Phoenix"/>, the Arize Phoenix prompt API.</summary>
public sealed class PhoenixTriggers(PhoenixApi api)
{
    [Function("PhoenixServerVersion")]
    public Task<IResult> ServerVersion([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = ApiRoutes.PhoenixVersion)] HttpRequest request) =>
        api.ServerVersion(request);

    [Function("PhoenixListPrompts")]
    public Task<IResult> ListPrompts([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = ApiRoutes.PhoenixPrompts)] HttpRequest request) =>
        api.ListPrompts(request);

    [Function("PhoenixCreatePrompt")]
    public Task<IResult> CreatePrompt([HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = ApiRoutes.PhoenixPrompts)] HttpRequest request) =>
        api.CreatePrompt(request);

    [Function("PhoenixPatchPrompt")]
    public Task<IResult> PatchPrompt([HttpTrigger(AuthorizationLevel.Anonymous, "patch", Route = ApiRoutes.PhoenixPrompt)] HttpRequest request, string promptIdentifier) =>
        api.PatchPrompt(request, promptIdentifier);

    [Function("PhoenixDeletePrompt")]
    public Task<IResult> DeletePrompt([HttpTrigger(AuthorizationLevel.Anonymous, "delete", Route = ApiRoutes.PhoenixPrompt)] HttpRequest request, string promptIdentifier) =>
        api.DeletePrompt(request, promptIdentifier);

    [Function("PhoenixListPromptVersions")]
    public Task<IResult> ListPromptVersions([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = ApiRoutes.PhoenixPromptVersions)] HttpRequest request, string promptIdentifier) =>
        api.ListPromptVersions(request, promptIdentifier);

    [Function("PhoenixGetLatest")]
    public Task<IResult> GetLatest([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = ApiRoutes.PhoenixPromptLatest)] HttpRequest request, string promptIdentifier) =>
        api.GetLatest(request, promptIdentifier);

    [Function("PhoenixGetByTag")]
    public Task<IResult> GetByTag([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = ApiRoutes.PhoenixPromptTag)] HttpRequest request, string promptIdentifier, string tagName) =>
        api.GetByTag(request, promptIdentifier, tagName);

    [Function("PhoenixGetVersion")]
    public Task<IResult> GetVersion([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = ApiRoutes.PhoenixVersionById)] HttpRequest request, string promptVersionId) =>
        api.GetVersion(request, promptVersionId);

    [Function("PhoenixListVersionTags")]
    public Task<IResult> ListVersionTags([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = ApiRoutes.PhoenixVersionTags)] HttpRequest request, string promptVersionId) =>
        api.ListVersionTags(request, promptVersionId);

    [Function("PhoenixCreateVersionTag")]
    public Task<IResult> CreateVersionTag([HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = ApiRoutes.PhoenixVersionTags)] HttpRequest request, string promptVersionId) =>
        api.CreateVersionTag(request, promptVersionId);

    [Function("PhoenixDeleteVersionTag")]
    public Task<IResult> DeleteVersionTag([HttpTrigger(AuthorizationLevel.Anonymous, "delete", Route = ApiRoutes.PhoenixVersionTag)] HttpRequest request, string promptVersionId, string tagName) =>
        api.DeleteVersionTag(request, promptVersionId, tagName);
}
