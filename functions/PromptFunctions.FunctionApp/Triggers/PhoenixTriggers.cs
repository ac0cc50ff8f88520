using Microsoft.AspNetCore.Http;
using Microsoft.Azure.Functions.Worker;
using PromptFunctions.Core.Http;
using PromptFunctions.Core.Compatibility.Phoenix;
using PromptFunctions.Contracts.Routes;
using PromptFunctions.Core.Datasets;
using PromptFunctions.Core.Prompts;

namespace PromptFunctions.FunctionApp.Triggers;

/// <summary>HTTP adapters for <see cref="PhoenixRoutes.All"/>, the Arize Phoenix prompt API.</summary>
public sealed class PhoenixTriggers(PhoenixApi api)
{
    [Function("PhoenixServerVersion")]
    public Task<IResult> ServerVersion([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = PhoenixRoutes.ServerVersion)] HttpRequest request) =>
        api.ServerVersion(request);

    [Function("PhoenixListPrompts")]
    public Task<IResult> ListPrompts([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = PhoenixRoutes.Prompts)] HttpRequest request) =>
        api.ListPrompts(request);

    [Function("PhoenixCreatePrompt")]
    public Task<IResult> CreatePrompt([HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = PhoenixRoutes.Prompts)] HttpRequest request) =>
        api.CreatePrompt(request);

    [Function("PhoenixPatchPrompt")]
    public Task<IResult> PatchPrompt([HttpTrigger(AuthorizationLevel.Anonymous, "patch", Route = PhoenixRoutes.Prompt)] HttpRequest request, string promptIdentifier) =>
        api.PatchPrompt(request, promptIdentifier);

    [Function("PhoenixDeletePrompt")]
    public Task<IResult> DeletePrompt([HttpTrigger(AuthorizationLevel.Anonymous, "delete", Route = PhoenixRoutes.Prompt)] HttpRequest request, string promptIdentifier) =>
        api.DeletePrompt(request, promptIdentifier);

    [Function("PhoenixListPromptVersions")]
    public Task<IResult> ListPromptVersions([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = PhoenixRoutes.PromptVersions)] HttpRequest request, string promptIdentifier) =>
        api.ListPromptVersions(request, promptIdentifier);

    [Function("PhoenixGetLatest")]
    public Task<IResult> GetLatest([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = PhoenixRoutes.PromptLatest)] HttpRequest request, string promptIdentifier) =>
        api.GetLatest(request, promptIdentifier);

    [Function("PhoenixGetByTag")]
    public Task<IResult> GetByTag([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = PhoenixRoutes.PromptTag)] HttpRequest request, string promptIdentifier, string tagName) =>
        api.GetByTag(request, promptIdentifier, tagName);

    [Function("PhoenixGetVersion")]
    public Task<IResult> GetVersion([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = PhoenixRoutes.VersionById)] HttpRequest request, string promptVersionId) =>
        api.GetVersion(request, promptVersionId);

    [Function("PhoenixListVersionTags")]
    public Task<IResult> ListVersionTags([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = PhoenixRoutes.VersionTags)] HttpRequest request, string promptVersionId) =>
        api.ListVersionTags(request, promptVersionId);

    [Function("PhoenixCreateVersionTag")]
    public Task<IResult> CreateVersionTag([HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = PhoenixRoutes.VersionTags)] HttpRequest request, string promptVersionId) =>
        api.CreateVersionTag(request, promptVersionId);

    [Function("PhoenixDeleteVersionTag")]
    public Task<IResult> DeleteVersionTag([HttpTrigger(AuthorizationLevel.Anonymous, "delete", Route = PhoenixRoutes.VersionTag)] HttpRequest request, string promptVersionId, string tagName) =>
        api.DeleteVersionTag(request, promptVersionId, tagName);
}
