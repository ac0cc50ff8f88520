using Microsoft.AspNetCore.Http;
using Microsoft.Azure.Functions.Worker;
using PromptFunctions.Contracts.Routes;
using PromptFunctions.Core.Prompts;

namespace PromptFunctions.FunctionApp.Triggers;

/// <summary>HTTP adapters for <see cref="PromptRoutes"/>: anonymous at the Functions level because the shared handlers check API keys themselves, so both hosts authenticate identically.</summary>
public sealed class PromptTriggers(PromptsApi api)
{
    [Function("ListPrompts")]
    public Task<IResult> ListPrompts([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = PromptRoutes.Prompts)] HttpRequest request) =>
        api.ListPrompts(request);

    [Function("GetPrompt")]
    public Task<IResult> GetPrompt([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = PromptRoutes.Prompt)] HttpRequest request, string name) =>
        api.GetPrompt(request, name);

    [Function("CreateVersion")]
    public Task<IResult> CreateVersion([HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = PromptRoutes.Versions)] HttpRequest request, string name) =>
        api.CreateVersion(request, name);

    [Function("ListVersions")]
    public Task<IResult> ListVersions([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = PromptRoutes.Versions)] HttpRequest request, string name) =>
        api.ListVersions(request, name);

    [Function("GetVersion")]
    public Task<IResult> GetVersion([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = PromptRoutes.Version)] HttpRequest request, string name, string id) =>
        api.GetVersion(request, name, id);

    [Function("GetVersionVariables")]
    public Task<IResult> GetVersionVariables([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = PromptRoutes.VersionVariables)] HttpRequest request, string name, string id) =>
        api.GetVersionVariables(request, name, id);

    [Function("GetLatest")]
    public Task<IResult> GetLatest([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = PromptRoutes.Latest)] HttpRequest request, string name) =>
        api.GetLatest(request, name);

    [Function("Render")]
    public Task<IResult> Render([HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = PromptRoutes.Render)] HttpRequest request, string name) =>
        api.Render(request, name);

    [Function("Diff")]
    public Task<IResult> Diff([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = PromptRoutes.Diff)] HttpRequest request, string name) =>
        api.Diff(request, name);

    [Function("Drift")]
    public Task<IResult> Drift([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = PromptRoutes.Drift)] HttpRequest request) =>
        api.Drift(request);
}
